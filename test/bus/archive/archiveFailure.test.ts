import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { createLogger, silentLogger } from '../../../src/telemetry/logger.ts';
import { ARCHIVE_QUEUE } from '../../../src/bus/queues/ensureQueues.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { renderMetrics } from '../../../src/telemetry/metrics.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { appendInvoices, testSettings } from '../../helpers/busTestKit.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';
import { waitFor } from '../../helpers/accrueProcess.ts';

const doomed: Subscriber = {
  name: 'doomed',
  eventTypes: ['InvoiceCreated'],
  async handle() {
    throw new Error('always fails');
  },
};

type DeadLetter = { state: string; retry_count: number; retry_limit: number; kept_a_year: boolean };

async function deadLetters(t: TestDatabase): Promise<DeadLetter[]> {
  const { rows } = await sql<DeadLetter>`
    SELECT state::text AS state, retry_count, retry_limit, keep_until > now() + interval '1 year' AS kept_a_year
    FROM pgboss.job WHERE name = ${ARCHIVE_QUEUE}`.execute(t.db);
  return rows;
}

/** Reads until `ok` holds for what it read (the shared waitFor's poll and timeout). */
function readUntil<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  return waitFor('the dead-letter copy', async () => {
    const v = await read();
    return ok(v) ? v : undefined;
  }, 20_000);
}

describe('a failed job whose archive insert keeps failing', () => {
  let t: TestDatabase;
  let worker: WorkerHandle;
  let relay: RelayHandle;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    // Stands in for whatever keeps the insert failing (a full disk, a broken grant, a bad row).
    // Set up as the owner (the runtime role may not create tables or triggers); the
    // function runs as its owner so the runtime role's insert can read the switch.
    await sql`CREATE TABLE archive_blocked (on_purpose boolean)`.execute(t.owner);
    await sql`CREATE FUNCTION refuse_archive() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
      BEGIN IF EXISTS (SELECT 1 FROM archive_blocked) THEN RAISE EXCEPTION 'archive is refusing rows'; END IF; RETURN NEW; END $$`.execute(t.owner);
    await sql`CREATE TRIGGER refuse_archive BEFORE INSERT ON failed_job_archive FOR EACH ROW EXECUTE FUNCTION refuse_archive()`.execute(t.owner);
    await sql`INSERT INTO archive_blocked VALUES (true)`.execute(t.owner);
    const log = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => { lines.push(JSON.parse(String(c))); done(); } }) });
    const settings = testSettings({ queue: { retryLimit: 0 } });
    worker = await startWorker({ url: t.url, subscribers: [doomed], settings, log });
    relay = await startRelay({ url: t.url, subscribers: [doomed], settings, log: silentLogger });
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await t?.drop();
  });

  it('stays in the dead-letter queue, retried and logged, past any retry count and retention, until it is archived', async () => {
    const [eventId] = await appendInvoices(t.db, 0, 1);
    const [first] = await readUntil(() => deadLetters(t), (r) => r.length === 1 && r[0]!.retry_count >= 1);
    // Waiting for its next try, or in it: never failed or completed.
    expect(['retry', 'active']).toContain(first!.state);
    expect(first!.kept_a_year).toBe(true); // pg-boss deletes waiting jobs at keep_until (default: 14 days)

    const logged = lines.filter((l) => l.level === 50 && String(l.msg).includes('could not write a failed job into the archive'));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged[0]).toMatchObject({ queue: 'doomed', err: { message: expect.stringContaining('archive is refusing rows') } });
    const { body } = await renderMetrics();
    expect(body).toMatch(/accrue_failed_job_archive_errors_total\{queue="doomed"\} [1-9]/);

    // Fast-forward through many failed attempts (a bounded retry limit ends here in 'failed',
    // which pg-boss deletes after its retention): it must still be waiting to be archived.
    // Only while it waits: pg-boss ignores the result of a try whose job was changed under it.
    await readUntil(
      async () => Number((await sql`UPDATE pgboss.job SET retry_count = 100, start_after = now() WHERE name = ${ARCHIVE_QUEUE} AND state = 'retry'`.execute(t.db)).numAffectedRows),
      (n) => n === 1,
    );
    const [later] = await readUntil(() => deadLetters(t), (r) => r[0]!.retry_count > 100);
    expect(['retry', 'active']).toContain(later!.state);

    // The cause is fixed: the next try archives it, and only then the dead-letter copy completes.
    await sql`DELETE FROM archive_blocked`.execute(t.owner);
    const archived = await readUntil(
      async () => {
        // Skip the backoff (up to a minute) of whichever try is next.
        await sql`UPDATE pgboss.job SET start_after = now() WHERE name = ${ARCHIVE_QUEUE} AND state = 'retry'`.execute(t.db);
        return t.db.selectFrom('failed_job_archive').select(['event_id', 'subscriber', 'error_message']).execute();
      },
      (rows) => rows.length === 1,
    );
    expect(archived[0]).toMatchObject({ event_id: eventId, subscriber: 'doomed', error_message: 'always fails' });
    await readUntil(() => deadLetters(t), (r) => r[0]!.state === 'completed');
  });
});
