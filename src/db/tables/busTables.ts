import type { ColumnType, Generated } from 'kysely';

// Tables of the event bus (inbox, failed attempts, failed-job archive): migrations 010-019.
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface InboxTable {
  subscriber: string;
  event_id: string;
  processed_at: Timestamp;
}

export interface FailedAttemptsTable {
  id: Generated<number>;
  queue: string;
  subscriber: string;
  job_id: string;
  event_id: string | null;
  event_type: string | null;
  attempt: number;
  poison: Generated<boolean>;
  error_message: string;
  error_stack: string | null;
  started_at: Timestamp;
  failed_at: Timestamp;
}

export interface FailedJobArchiveTable {
  id: Generated<number>;
  job_id: string;
  queue: string;
  subscriber: string;
  event_id: string | null;
  event_type: string | null;
  payload: ColumnType<unknown, string, string>;
  poison: Generated<boolean>;
  error_message: string;
  error_stack: string | null;
  attempts: number;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  archived_at: Timestamp;
  replay_count: Generated<number>;
  last_replayed_at: Date | null;
}

/** Migration 050: one row per archived job replayed; its trigger bumps replay_count. */
export interface FailedJobReplaysTable {
  id: Generated<number>;
  archive_id: number;
  job_id: string;
  actor: string;
  replayed_at: Timestamp;
}

/** Migration 053: which subscriber takes which event type, as registered by the processes. */
export interface SubscriptionsTable {
  subscriber: string;
  event_type: string;
  registered_at: Timestamp;
  /** Migration 095: its worker takes bundle jobs (one per relay batch; src/bus/queues/eventBundle.ts). */
  takes_bundles: Generated<boolean>;
}

/** Migration 121: snapshots of rebuildable projections (src/bus/operator/projectionSnapshots.ts). */
export interface ProjectionSnapshotsTable {
  snapshot_id: Generated<number>;
  subscriber: string;
  schema_version: number;
  through_tx: string;
  head_position: number;
  row_count: number;
  taken_at: Generated<Date>;
}

export interface BusTables {
  subscriptions: SubscriptionsTable;
  inbox: InboxTable;
  failed_attempts: FailedAttemptsTable;
  failed_job_archive: FailedJobArchiveTable;
  failed_job_replays: FailedJobReplaysTable;
  projection_snapshots: ProjectionSnapshotsTable;
}
