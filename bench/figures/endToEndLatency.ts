import pg from 'pg';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.ts';
import { todayUtc } from '../../src/values/dates.ts';
import { waitUntilDrained } from '../../src/bus/operator/getStatus.ts';
import { startBusChild, type QueryCounts } from '../lib/busChildren.ts';
import { invoiceEvents } from '../lib/invoiceEvents.ts';
import { openAppendProducer, prepareAppends } from '../lib/appendProducer.ts';
import { backlogGrowth, type BacklogSample } from '../lib/backlog.ts';
import { lateArrivalsAllowed, openLoopVerdict } from '../lib/openLoop.ts';
import { nowMs, percentile, round, summarizeLatencies } from '../lib/stats.ts';
import { steadyRate } from '../lib/steadyRate.ts';
import { invalid, type Figure } from '../lib/types.ts';
import { sampleWaitEvents } from '../lib/waitEvents.ts';
import { postgresCpuReader, processCpuMs } from '../lib/processCpu.ts';
import { backlogFromCommitTimes, commitTimes, commitTimestampsKept } from '../lib/commitTimes.ts';

const CHANNEL = 'bench_ledger_committed';

/**
 * Issue 6 figure 5 (and issue 10's 1,000/s variant): event committed → revenue ledger
 * committed, at a steady rate of invoice events (open loop), after 1 s of warm-up;
 * relay and worker are child processes with the default bus settings.
 *
 * The producer (bench/lib/appendProducer.ts): each event appendEvents' own statement,
 * one autocommit transaction an event, as a named prepared statement on up to
 * `maxInFlight` sessions, with the relay's wake-up after each commit as connect()'s
 * pools send it, so the server and the relay get what appendEvents gives them. The
 * events (invoiceEvents, validated and given their ids by toEventRows) and the
 * statement's parameters are built before the run: calling appendEvents itself took
 * ~0.55–0.8 ms of this process's CPU an append (kysely, zod, the id, the returned row
 * parsed into a StoredEvent): over half a core at 1,000/s beside the pipeline it measures,
 * on 2 cores (805–930/s held in the last full runs; issue 10); the prepared producer
 * ~0.3 ms (`detail.producer`).
 *
 * How the two instants are taken, on one clock:
 * - With the server's commit timestamps (track_commit_timestamp, which the embedded
 *   bench server turns on): after the run, the commit time of each event's transaction
 *   and of the transaction that wrote its revenue inbox row — the one that wrote its
 *   ledger entries (the inbox row is claimed in the posting's transaction and never
 *   updated, so its xmin is that transaction). Nothing is added to the measured
 *   transactions. Both are stamped as the commit record is written, before its flush:
 *   each misses its own flush, and the two roughly cancel (bench/lib/commitTimes.ts).
 * - Without them (a DATABASE_URL server with the setting off, or BENCH_E2E_NOTIFY=1):
 *   committed = when the producer's append returns (each event is its own autocommit
 *   statement, as one API call); ledger committed = when a NOTIFY from a bench-only
 *   trigger on the revenue inbox row arrives on this process's LISTEN connection
 *   (Postgres delivers it only after that transaction commits). The trigger puts the
 *   posting's commit behind Postgres' database-wide notify lock, as every NOTIFYing
 *   transaction is (the relay wake-ups are), and both instants wait for this process's
 *   event loop; with BENCH_E2E_NOTIFY=1 on a server that keeps commit timestamps,
 *   `detail.byCommitTimestamps` has the same run measured both ways. Dropped afterwards.
 *
 * The backlog (events committed by then and not yet in the ledger: from the commit
 * times afterwards, or counted live in this process) is sampled every 250 ms; backlogGrowth() compares the last quarter of the
 * run with the second. A run whose producer could not hold the rate is invalid
 * (openLoopVerdict): nulls and the reason instead of latencies of a lighter load.
 */
function endToEndFigure(key: string, rate: number, samplesFull: number, samplesQuick: number): Figure {
  return {
    key,
    title: `accrue end-to-end latency at ${rate} events/s`,
    async run(ctx) {
      const RATE = rate;
      const samples = ctx.quick ? samplesQuick : samplesFull;
      // Appends in flight at once, as that many API connections would send them. One
      // append commits in 1–5 ms on an idle machine but 40 ms and more on a loaded one
      // (issue 10): 8 in flight then held ~170/s of a nominal 200/s and the run was
      // invalid for the producer's sake, not the pipeline's.
      const maxInFlight = Math.max(32, Math.ceil(rate / 25));
      // The bench's own statements (drain checks, the wait sampler, the commit times afterwards).
      const handle = connect(ctx.url, { max: 4, applicationName: 'accrue-bench' });
      const { db } = handle;
      const listener = new pg.Client({ connectionString: ctx.url, application_name: 'accrue-bench-listen' });
      let committedAt = new Map<string, number>();
      let ledgerAt = new Map<string, number>();
      // With the server's commit timestamps the run adds nothing to the transactions it
      // measures; without them (a DATABASE_URL server with track_commit_timestamp off) a
      // trigger NOTIFYs at the posting's commit, which puts that commit behind Postgres'
      // database-wide notify lock like any NOTIFYing transaction (the relay wake-ups).
      const timestampsKept = await commitTimestampsKept(db);
      // BENCH_E2E_NOTIFY=1: the trigger even so (to compare the two methods; both are in the JSON then).
      const byCommitTimestamps = timestampsKept && process.env.BENCH_E2E_NOTIFY !== '1';
      if (!byCommitTimestamps) {
        await sql`CREATE OR REPLACE FUNCTION bench_inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_notify(${sql.lit(CHANNEL)}, NEW.event_id::text); RETURN NULL; END $$`.execute(db);
        await sql`CREATE TRIGGER bench_inbox_notify AFTER INSERT ON inbox FOR EACH ROW
          WHEN (NEW.subscriber = 'revenue') EXECUTE FUNCTION bench_inbox_notify()`.execute(db);
      }
      // Warm-up (RATE events) then the measured ones, built before the run.
      const { text, appends } = prepareAppends(db, invoiceEvents(RATE + samples, todayUtc(), `e2e${Date.now() % 100_000}`), {
        correlationId: 'bench-e2e',
        actor: 'bench',
      });
      let producer: Awaited<ReturnType<typeof openAppendProducer>> | undefined;
      let worker: Awaited<ReturnType<typeof startBusChild>> | undefined;
      let relay: Awaited<ReturnType<typeof startBusChild>> | undefined;
      try {
        if (!byCommitTimestamps) {
          await listener.connect();
          listener.on('notification', (n) => {
            if (n.payload && !ledgerAt.has(n.payload)) ledgerAt.set(n.payload, nowMs());
          });
          await listener.query(`LISTEN ${CHANNEL}`);
        }
        producer = await openAppendProducer(ctx.url, text, maxInFlight);
        const appendOn = producer;
        worker = await startBusChild('worker', ctx.url);
        relay = await startBusChild('relay', ctx.url);

        let measuring = false;
        let offset = 0;
        const fire = async (i: number) => {
          const append = appends[offset + i]!;
          await appendOn.append(append);
          if (measuring) committedAt.set(append.eventId, nowMs());
        };
        // One second of warm-up (plans, LISTEN, JIT of the handler) not counted.
        await steadyRate(RATE, RATE, fire, { maxInFlight });
        offset = RATE;
        await waitUntilDrained(db, { timeoutMs: 120_000 });
        measuring = true;
        const task = ctx.progress.task(`e2e: ${samples} events at ${RATE}/s, commit → ledger commit`, samples);
        const waits = sampleWaitEvents(db, ['accrue-worker', 'accrue-relay', 'accrue-bench-producer']);
        const locksBefore = await deadlocks(db);
        const cpu = await cpuMeter(db, relay.pid, worker.pid);
        const producerCpu = process.cpuUsage();
        let firstCommit = nowMs();
        let depth: BacklogSample[] = [];
        const backlogTimer = setInterval(() => {
          if (byCommitTimestamps) return; // counted afterwards from the commit times
          let done = 0;
          for (const id of committedAt.keys()) if (ledgerAt.has(id)) done++;
          depth.push({ atMs: round(nowMs() - firstCommit), depth: committedAt.size - done });
        }, 250);
        const run = await steadyRate(RATE, samples, fire, { maxInFlight, stopAfterLateArrivals: lateArrivalsAllowed(samples), onFired: (n) => task.update(n) }).finally(() => clearInterval(backlogTimer));
        const producerUsage = process.cpuUsage(producerCpu);
        const verdict = openLoopVerdict({ ratePerSec: RATE, count: samples, fired: run.fired, firingSeconds: run.firingSeconds, lateArrivals: run.lateArrivals });
        await waitUntilDrained(db, { timeoutMs: 300_000 });
        const cpuMs = await cpu.read(run.fired);
        const serverWaits = await waits.stop();
        const locksAfter = await deadlocks(db);
        const times = timestampsKept ? await commitTimes(db, [...committedAt.keys()]) : undefined;
        if (byCommitTimestamps && times) {
          // Both instants on the server's clock, read after the run.
          committedAt = new Map([...times].map(([id, t]) => [id, t.committed]));
          ledgerAt = new Map([...times].filter(([, t]) => t.posted !== null).map(([id, t]) => [id, t.posted!]));
          firstCommit = Math.min(...committedAt.values());
          depth = backlogFromCommitTimes(times.values());
        } else {
          // The last notifications are on their way after the drain is visible.
          const deadline = performance.now() + 5_000;
          while ([...committedAt.keys()].some((id) => !ledgerAt.has(id)) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        }
        const backlog = backlogGrowth(depth, RATE);
        task.done();
        const latencies: number[] = [];
        // Worst latency of the events committed in each second of the run: shows whether
        // the tail is a steady queue or a few stalls (a deadlock costs deadlock_timeout, 1 s).
        const worstBySecond: number[] = [];
        for (const [id, at] of committedAt) {
          const done = ledgerAt.get(id);
          if (done === undefined) continue;
          latencies.push(done - at);
          const second = Math.floor((at - firstCommit) / 1000);
          worstBySecond[second] = Math.max(worstBySecond[second] ?? 0, round(done - at));
        }
        const relayQueries = await relay.stop();
        relay = undefined;
        const workerQueries = await worker.stop();
        worker = undefined;
        const dbSide = await databaseSide(db, [...committedAt.keys()]);
        const summary = summarizeLatencies(latencies);
        // Latency of the first and last tenth of the events: a second view of backlog growth.
        const ordered = [...committedAt].filter(([id]) => ledgerAt.has(id)).sort((a, b) => a[1] - b[1]).map(([id, at]) => ledgerAt.get(id)! - at);
        const tenth = Math.max(1, Math.floor(ordered.length / 10));
        const detail = {
          verdict,
          backlog: { ...backlog, seriesEverySecond: depth.filter((_, i) => i % 4 === 0).map((d) => d.depth) },
          p50MsFirstTenth: round(percentile(ordered.slice(0, tenth), 50), 1),
          p50MsLastTenth: round(percentile(ordered.slice(-tenth), 50), 1),
          achievedRatePerSec: verdict.achievedRatePerSec,
          // This process's CPU while it fired the measured events (the producer; also the
          // wait sampler's statements), per event fired: user and system (kernel: its sends).
          producer: {
            what: 'appendEvents statement prepared before the run, one autocommit transaction an event (bench/lib/appendProducer.ts)',
            sessions: maxInFlight,
            cpuMsPerEvent: { user: round(producerUsage.user / 1000 / Math.max(1, run.fired), 3), system: round(producerUsage.system / 1000 / Math.max(1, run.fired), 3) },
          },
          lateStarts: run.lateStarts,
          lateArrivals: run.lateArrivals,
          missing: run.fired - latencies.length,
          fired: run.fired,
          method: byCommitTimestamps
            ? "commit timestamps (track_commit_timestamp): the event's transaction → the transaction that wrote its revenue inbox row and ledger entries, server clock, read after the run"
            : 'append returned → LISTEN arrival of a bench trigger notify on the revenue inbox row (delivered at commit)',
          databaseSide: dbSide,
          // The NOTIFY method on a server that keeps commit timestamps: the same events measured the other way.
          ...(byCommitTimestamps || !times ? {} : { byCommitTimestamps: summarizeLatencies([...times.values()].filter((t) => t.posted !== null).map((t) => t.posted! - t.committed)) }),
          cpuMsPerEvent: cpuMs,
          serverWaits,
          deadlocks: locksAfter.deadlocks - locksBefore.deadlocks,
          rollbacks: locksAfter.rollbacks - locksBefore.rollbacks,
          worstMsBySecond: Array.from(worstBySecond, (v) => v ?? 0),
          queriesPerEvent: { worker: perEvent(workerQueries, run.fired + RATE), relay: perEvent(relayQueries, run.fired + RATE) },
          workerQueries,
          relayQueries,
        };
        if (!verdict.valid) {
          // Kept for diagnosis only, never as the figure: the events fired before the stop.
          const r = invalid(['p50Ms', 'p95Ms', 'p99Ms', 'maxMs', 'backlogGrows'], verdict.reason!, { ...detail, firedEventsOnly: summary });
          return { ...r, summary: { ratePerSec: RATE, ...r.summary } };
        }
        return {
          status: 'measured',
          summary: { ratePerSec: RATE, ...summary, backlogGrows: backlog.grows },
          detail,
          note: latencies.length < run.fired ? `${run.fired - latencies.length} events never reached the ledger within 5 s of the drain` : undefined,
        };
      } finally {
        await relay?.stop().catch(() => {});
        await worker?.stop().catch(() => {});
        if (!byCommitTimestamps) await listener.end().catch(() => {});
        await producer?.close();
        if (!byCommitTimestamps) await sql`DROP TRIGGER IF EXISTS bench_inbox_notify ON inbox`.execute(db);
        await handle.close();
      }
    },
  };
}

// Per round; the rounds together hold more samples than one run of issue 6's 10,000
// did (3 x 6,000), in about 25 minutes for the full bench.
/** Issue 6 figure 5: at 200 events/s, 6,000 events a round (quick 1,000). */
export const endToEndLatency = endToEndFigure('e2e', 200, 6_000, 1_000);
/** Issue 10: the same at 1,000 events/s, 20,000 events a round (quick 5,000), with the backlog check. */
export const endToEnd1000 = endToEndFigure('e2e1000', 1_000, 20_000, 5_000);

async function deadlocks(db: ReturnType<typeof connect>['db']) {
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ deadlocks: number; rollbacks: number }>`
    SELECT deadlocks::int AS deadlocks, xact_rollback::int AS rollbacks FROM pg_stat_database WHERE datname = current_database()`.execute(db);
  return rows[0]!;
}

/**
 * CPU ms per event over the measured events (fired → drained): the relay process, its
 * database sessions (the backends named accrue-relay when the run starts: the relay's
 * pool keeps them), the worker process and the whole Postgres server; null where /proc
 * does not show it. Unlike the latencies, CPU time says what a batch costs whatever the
 * machine's load: a batch that takes 20 ms of wall time on 3 ms of CPU is waiting.
 */
async function cpuMeter(db: ReturnType<typeof connect>['db'], relayPid: number, workerPid: number) {
  await sql`SELECT pg_stat_clear_snapshot()`.execute(db);
  const { rows } = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'accrue-relay'`.execute(db);
  const backends = rows.map((r) => r.pid);
  const postgres = await postgresCpuReader(db);
  const sample = async () => {
    const each = await Promise.all(backends.map((pid) => processCpuMs(pid)));
    return {
      relay: await processCpuMs(relayPid),
      relayBackends: each.length === 0 || each.some((v) => v === null) ? null : each.reduce<number>((a, b) => a + b!, 0),
      worker: await processCpuMs(workerPid),
      postgres: postgres ? await postgres() : null,
    };
  };
  const before = await sample();
  return {
    async read(events: number) {
      const after = await sample();
      const per = (k: keyof typeof before) => {
        const a = after[k];
        const b = before[k];
        return a === null || b === null || events === 0 ? null : round((a - b) / events, 3);
      };
      return { relay: per('relay'), relayBackends: per('relayBackends'), worker: per('worker'), postgres: per('postgres') };
    },
  };
}

const perEvent = (q: QueryCounts, events: number) => round(Object.values(q).reduce((a, b) => a + b.n, 0) / events, 2);

/**
 * A cross-check from the database clock: last ledger entry insert of the event −
 * event recorded_at (both clock_timestamp(), both before their commits). Misses the
 * commit itself and what the batch did after the entry, so it reads lower.
 */
async function databaseSide(db: ReturnType<typeof connect>['db'], eventIds: string[]) {
  const { rows } = await sql<{ ms: number; relayMs: number | null; queueMs: number | null; applyMs: number | null; claimMs: number | null; claimToLedgerMs: number | null }>`
    WITH latency AS (
      -- event_keys holds each event's position and recorded_at: one probe per id, not one per partition.
      SELECT e.event_id, e.position, e.recorded_at, max(l.recorded_at) AS posted_at
      FROM event_keys e JOIN ledger_entries l ON l.event_id = e.event_id
      WHERE e.event_id = ANY(${eventIds}::uuid[])
      GROUP BY e.event_id, e.position, e.recorded_at
    ), jobs AS (
      -- The revenue job (one-event or bundle) that first carried each measured event:
      -- positions unnested once and hash-joined (a lookup per event was quadratic).
      SELECT DISTINCT ON (c.position) c.position, c.created_on, c.started_on
      FROM (
        SELECT coalesce((j.data->>'position')::bigint, p.position::bigint) AS position, j.created_on, j.started_on
        FROM pgboss.job j
        LEFT JOIN LATERAL jsonb_array_elements_text(j.data->'positions') AS p(position) ON true
        WHERE j.name = 'revenue'
      ) c
      WHERE c.position IN (SELECT position FROM latency)
      ORDER BY c.position, c.created_on
    )
    SELECT extract(epoch FROM t.posted_at - t.recorded_at)::float8 * 1000 AS ms,
           extract(epoch FROM j.created_on - t.recorded_at)::float8 * 1000 AS "relayMs",
           extract(epoch FROM j.started_on - j.created_on)::float8 * 1000 AS "queueMs",
           extract(epoch FROM t.posted_at - j.started_on)::float8 * 1000 AS "applyMs",
           -- Applied in the relay (no job): inbox.processed_at is now(), the claim transaction's start.
           CASE WHEN j.position IS NULL THEN extract(epoch FROM i.processed_at - t.recorded_at)::float8 * 1000 END AS "claimMs",
           CASE WHEN j.position IS NULL THEN extract(epoch FROM t.posted_at - i.processed_at)::float8 * 1000 END AS "claimToLedgerMs"
    FROM latency t LEFT JOIN jobs j ON j.position = t.position
    LEFT JOIN inbox i ON i.subscriber = 'revenue' AND i.event_id = t.event_id`.execute(db);
  const hop = (pick: (r: (typeof rows)[number]) => number | null) => summarizeLatencies(rows.map(pick).filter((v): v is number => v !== null));
  return {
    what: 'max(ledger_entries.recorded_at) − events.recorded_at',
    ...summarizeLatencies(rows.map((r) => r.ms)),
    // Where the time goes (database clock): event insert → the relay's transaction
    // start (wake-up + claim), → the worker's fetch (the relay's insert and commit, the
    // worker's wake-up), → the last ledger entry insert (read, apply, post).
    hops: {
      eventToRelayTxStart: hop((r) => r.relayMs),
      relayTxStartToWorkerFetch: hop((r) => r.queueMs),
      workerFetchToLedgerInsert: hop((r) => r.applyMs),
    },
    // The events the relay applied itself (ACCRUE_RELAY_APPLY_MAX_EVENTS): event insert →
    // the relay's claim transaction start, → the last ledger entry insert in it.
    appliedInRelay: {
      share: rows.length === 0 ? 0 : round(rows.filter((r) => r.claimMs !== null).length / rows.length, 3),
      eventToRelayTxStart: hop((r) => r.claimMs),
      relayTxStartToLedgerInsert: hop((r) => r.claimToLedgerMs),
    },
  };
}
