// One-off evidence for docs/scaling.md ("The latency path, after the merge"): the cost
// of readEventsAt's statement on a partitioned `events` with 66 monthly partitions,
// without and with a recorded_at bound behind which the older months lie (the relay and
// the worker bound their reads by recentEventsFrom). Partitions are made ahead (the only
// way to have many on a new database), so the bound is set at the newest month.
// `DATABASE_URL=postgres://… node bench/partitionPlanning.ts` (scratch database, dropped after).
import { sql } from 'kysely';
import { createScratchDatabase } from '../src/cli/scenarios/scratchDatabase.ts';
import { appendEvents, eventsAtQuery } from '../src/events/appendEvents.ts';
import { invoiceEvents } from './lib/invoiceEvents.ts';
import { todayUtc } from '../src/values/dates.ts';
const s = await createScratchDatabase(process.env.DATABASE_URL!);
try {
  await appendEvents(s.db, invoiceEvents(2000, todayUtc(), 'x'), { correlationId: 'c', actor: 'a' });
  for (const k of [4, 28, 52]) await sql.raw(`SELECT * FROM create_history_partitions((date_trunc('month', now()) + interval '${k} months')::date, 20)`).execute(s.db);
  await sql`ANALYZE`.execute(s.db);
  const last = (await sql<{ m: string }>`SELECT max(relname) AS m FROM pg_class WHERE relname ~ '^events_20'`.execute(s.db)).rows[0]!.m;
  const y = last.slice(7, 11), m = last.slice(12, 14);
  const bound = `${y}-${m}-01`; // the newest partition: a database whose older months are all behind the bound
  for (const [label, from] of [['no bound', undefined], [`bound ${bound}`, bound]] as const) {
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, SUMMARY) ${eventsAtQuery([5, 77, 900], from)}`.execute(s.db);
      times.push(Number(/Planning Time: ([\d.]+)/.exec(rows.map((r) => r['QUERY PLAN']).join('\n'))![1]));
    }
    times.sort((a, b) => a - b);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) await eventsAtQuery([5, 77, 900], from).execute(s.db);
    console.log(label.padEnd(20), 'plan median', times[12], 'ms; statement', ((performance.now() - t0) / 200).toFixed(3), 'ms');
  }
} finally { await s.drop(); }
