-- Issue 15: a projection snapshot is kept as a typed copy of each of its tables
-- (`<table>_snapshot`, the same columns in the same order) instead of one jsonb row per
-- row. Restoring the jsonb copy (jsonb_populate_record into a just-emptied table) was
-- most of `accrue rebuild analytics` from a snapshot: 888,890 rows deleted and
-- re-inserted with their indexes. A typed copy lets the restore change only the rows
-- that differ from the snapshot (src/bus/operator/projectionSnapshots.ts).
--
-- Each copy holds the subscriber's latest snapshot only (projection_snapshots says
-- which; taking one replaces the copy). A migration that changes a projection table
-- must change its copy the same way and bump the subscriber's snapshot schemaVersion;
-- a copy whose columns differ from its table is ignored by rebuild (from scratch).

CREATE TABLE analytics_invoices_snapshot (LIKE analytics_invoices);
CREATE TABLE analytics_payments_snapshot (LIKE analytics_payments);

-- The latest existing snapshot carries over (older ones were deleted when it was taken).
INSERT INTO analytics_invoices_snapshot
SELECT (jsonb_populate_record(NULL::analytics_invoices, r.row)).*
FROM projection_snapshot_rows r
WHERE r.table_name = 'analytics_invoices'
  AND r.snapshot_id = (SELECT max(snapshot_id) FROM projection_snapshots WHERE subscriber = 'analytics');
INSERT INTO analytics_payments_snapshot
SELECT (jsonb_populate_record(NULL::analytics_payments, r.row)).*
FROM projection_snapshot_rows r
WHERE r.table_name = 'analytics_payments'
  AND r.snapshot_id = (SELECT max(snapshot_id) FROM projection_snapshots WHERE subscriber = 'analytics');
DELETE FROM projection_snapshots s
WHERE s.snapshot_id <> (SELECT max(snapshot_id) FROM projection_snapshots WHERE subscriber = s.subscriber);

DROP TABLE projection_snapshot_rows;
