import pg from 'pg';
import type { Kysely } from 'kysely';
import { appendQuery, eventRowParams, toEventRows, type EventContext, type NewEvent } from '../../src/events/appendEvents.ts';
import { notifyConnection } from '../../src/db/notifyConnection.ts';
import { coalescedWake, OUTBOX_CHANNEL } from '../../src/db/wakeRelay.ts';

/** One append, built before the run: the event's id and the statement's parameters. */
export type PreparedAppend = { eventId: string; values: unknown[] };

/**
 * appendEvents' statement for one event (src/events/appendEvents.ts, appendQuery),
 * compiled with `db`'s dialect, with
 * the parameters appendEvents would send for `events`, each validated and given its id by
 * toEventRows as appendEvents does. Built before a run so the producer does no per-event
 * validation, id or query building while it is measured. bench/appendProducer.test.ts
 * holds the text equal to the one appendEvents prepares.
 */
export function prepareAppends(db: Kysely<any>, events: readonly NewEvent[], ctx: EventContext): { text: string; appends: PreparedAppend[] } {
  let text: string | undefined;
  const appends = events.map((event) => {
    const rows = toEventRows([event], ctx);
    const compiled = appendQuery(db, eventRowParams(rows));
    text ??= compiled.sql;
    return { eventId: rows[0]!.event_id, values: [...compiled.parameters] };
  });
  return { text: text ?? '', appends };
}

// The returned row stays text: the producer reads nothing from it (appendEvents parses its
// timestamp and jsonb into a StoredEvent).
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

/**
 * The e2e figures' producer: `connections` sessions (application_name
 * accrue-bench-producer), each sending prepareAppends' statement as one named prepared
 * statement (parsed and planned once per connection, as connect()'s pools do) in its own
 * autocommit transaction, and after each commit the relay's wake-up (`NOTIFY
 * accrue_outbox` on a connection of its own, coalesced: wakeRelay.ts, as connect()'s
 * pools send it). So the server and the relay see what appendEvents through connect()
 * gives them; what is gone is the producer's own JavaScript per append (kysely, zod,
 * the id, the returned row's parsing). Producer alone at 1,000/s (5,000 appends, three
 * interleaved pairs, load 12): this process's CPU an append 0.62 / 0.53 / 0.63 ms through
 * appendEvents, 0.29 / 0.31 / 0.28 ms here (docs/performance.md, issue 10).
 *
 * `append` needs a free session: call it with at most `connections` appends in flight
 * (steadyRate's maxInFlight).
 */
export async function openAppendProducer(url: string, text: string, connections: number, applicationName = 'accrue-bench-producer') {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url, application_name: applicationName });
      // A session the server ends (restart, pg_terminate_backend) emits 'error': without a
      // listener that crashes the bench; its next query fails instead (as connect()'s pools).
      c.on('error', () => {});
      await c.connect();
      return c;
    }),
  );
  const free = [...clients];
  const notify = notifyConnection({ connectionString: url, application_name: `${applicationName}-wake` }, OUTBOX_CHANNEL, (t) => clients[0]!.query(t));
  const notifier = coalescedWake(
    () => notify.send(),
    () => {},
  );
  const name = 'accrue_bench_append_events';
  return {
    async append(a: PreparedAppend): Promise<void> {
      const c = free.pop();
      if (!c) throw new Error('appendProducer: more appends in flight than sessions');
      try {
        await c.query({ name, text, values: a.values, rowMode: 'array', types: RAW_TEXT });
      } finally {
        free.push(c);
      }
      notifier.wake();
    },
    async close() {
      await notifier.idle();
      await notify.close();
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    },
  };
}
