import { randomBytes } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { createEmptyDatabase, migrateBefore } from '../helpers/olderSchema.ts';

// Review of migrations 131 and 132 on a populated database while the old code still
// writes (a rolling deploy: api and relay of the previous release keep running while
// `accrue migrate` runs). Each migration is one transaction of statements in READ
// COMMITTED; a statement that copies the table's state (the sequence's last_value,
// the rows of event_keys) sees what had committed when it ran, and the table is not
// locked until a later ALTER TABLE. A write that commits in between is then missing
// from what was copied. Real Postgres; the write is made deterministically between
// two statements of the migration (the file split at a statement boundary).

const ENTRY = `INSERT INTO ledger_entries (currency, entry_date, origin_date, kind, invoice_id, accounts_receivable, revenue)
               VALUES ('USD', $1::date, $1::date, 'invoice_issued', $2, 1, -1) RETURNING entry_id`;
const EVENT = `INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, occurred_at, correlation_id, actor, data)
               VALUES (gen_random_uuid(), 'CustomerCreated', 1, 'customer', $1, '2026-11-01', 'c', 'a', '{}') RETURNING position`;

async function migrationSql(prefix: string): Promise<string> {
  const f = (await readdir(MIGRATIONS_DIR)).find((n) => n.startsWith(prefix))!;
  return readFile(path.join(MIGRATIONS_DIR, f), 'utf8');
}

/**
 * Runs `write` on the writer while the migrator's transaction is open, and waits until
 * it has either finished (committed in between: the case under review) or is waiting
 * for a lock the migration holds (then it completes after the migration's commit).
 */
async function writeDuring<T>(writer: pg.Client, observer: pg.Client, write: () => Promise<T>): Promise<{ pending: Promise<T> }> {
  const pid = (await writer.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const pending = write();
  let done = false;
  void pending.then(() => (done = true), () => (done = true));
  for (;;) {
    if (done) return { pending };
    const r = await observer.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (r.rows[0]?.w === 'Lock') return { pending };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The migration's text before and from `marker` (a statement's first line). */
function splitAt(text: string, marker: string): [string, string] {
  const i = text.indexOf(marker);
  if (i < 0) throw new Error(`marker not found: ${marker}`);
  return [text.slice(0, i), text.slice(i)];
}

describe('migrations 131/132 while the previous release still writes', () => {
  const name = `review_mig_${randomBytes(4).toString('hex')}`;
  let url: string;
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let migrator: pg.Client;
  let writer: pg.Client;
  let observer: pg.Client;
  let concurrentEntry: number;
  let concurrentEvent: number;

  beforeAll(async () => {
    database = await createEmptyDatabase(name);
    url = database.ownerUrl;
    await migrateBefore(url, 130);
    migrator = new pg.Client({ connectionString: url });
    writer = new pg.Client({ connectionString: url });
    observer = new pg.Client({ connectionString: url });
    await migrator.connect();
    await writer.connect();
    await observer.connect();
    // Populated: an entry and a relayed event.
    await writer.query(ENTRY, ['2026-10-05', 'inv_before']);
    await writer.query(EVENT, ['cus_before']);

    await migrator.query('BEGIN');
    await migrator.query(await migrationSql('130_'));
    await migrator.query('COMMIT');

    // 131: the sequence's last_value is copied, then the table is altered.
    const [a131, b131] = splitAt(await migrationSql('131_'), 'ALTER TABLE ledger_entries ALTER COLUMN entry_id DROP IDENTITY');
    await migrator.query('BEGIN');
    await migrator.query(a131);
    const entry = await writeDuring(writer, observer, () => writer.query<{ entry_id: string }>(ENTRY, ['2026-11-03', 'inv_during']));
    await migrator.query(b131);
    await migrator.query('COMMIT');
    concurrentEntry = Number((await entry.pending).rows[0]!.entry_id);

    // 132: event_keys filled and the sequence copied, then the table is altered.
    const [a132, b132] = splitAt(await migrationSql('132_'), 'CREATE TEMP TABLE events_views');
    await migrator.query('BEGIN');
    await migrator.query(a132);
    const event = await writeDuring(writer, observer, async () => {
      const position = Number((await writer.query<{ position: string }>(EVENT, ['cus_during'])).rows[0]!.position);
      await writer.query('INSERT INTO outbox (position) VALUES ($1)', [position]);
      // The previous release's relay moves it (its claim joins events, not event_keys).
      await writer.query('DELETE FROM outbox WHERE position = $1', [position]);
      return position;
    });
    await migrator.query(b132);
    await migrator.query('COMMIT');
    concurrentEvent = await event.pending;
  });

  afterAll(async () => {
    await migrator?.end().catch(() => {});
    await writer?.end().catch(() => {});
    await observer?.end().catch(() => {});
    await database?.drop();
  });

  it('keeps ledger entry ids unique: the next entry does not reuse the id of one written during 131', async () => {
    const next = Number((await writer.query<{ entry_id: string }>(ENTRY, ['2026-12-07', 'inv_after'])).rows[0]!.entry_id);
    const dup = await writer.query('SELECT entry_id FROM ledger_entries GROUP BY entry_id HAVING count(*) > 1');
    expect({ next: next > Number(concurrentEntry), duplicates: dup.rows }).toEqual({ next: true, duplicates: [] });
  });

  it('gives every event its event_keys row, and the next event a new position', async () => {
    const unkeyed = await writer.query<{ position: string }>(
      'SELECT e.position FROM events e WHERE NOT EXISTS (SELECT 1 FROM event_keys k WHERE k.position = e.position)',
    );
    const next = Number((await writer.query<{ position: string }>(EVENT, ['cus_after'])).rows[0]!.position);
    const dup = await writer.query('SELECT position FROM events GROUP BY position HAVING count(*) > 1');
    expect({ unkeyed: unkeyed.rows.map((r) => Number(r.position)), next: next > concurrentEvent, duplicates: dup.rows }).toEqual({
      unkeyed: [],
      next: true,
      duplicates: [],
    });
  });
});
