import { PgBoss, type ConstructorOptions } from 'pg-boss';
import type pg from 'pg';
import { POOL_IDLE_TIMEOUT_MS } from '../../db/connect.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { BusSettings } from './busSettings.ts';

/**
 * pg-boss's options with its pool keeping idle connections as connect()'s pools do
 * (POOL_IDLE_TIMEOUT_MS, src/db/connect.ts). pg-boss hands its options to its pg.Pool,
 * whose settings its types do not list (test/db/poolKeepsConnections.test.ts checks it).
 */
export function keepingConnections(options: ConstructorOptions): ConstructorOptions {
  const withPool: ConstructorOptions & Pick<pg.PoolConfig, 'idleTimeoutMillis'> = { ...options, idleTimeoutMillis: POOL_IDLE_TIMEOUT_MS };
  return withPool;
}

export type BossRole = 'relay' | 'worker' | 'client';

/**
 * A started pg-boss instance for one role. Only workers supervise (expire held jobs,
 * run cron schedules) and listen: without useListenNotify a worker sees a new job
 * only on its next poll, which put p95 latency at 0.5-2 s; with it ~20 ms.
 */
export async function startBoss(url: string, options: { role: BossRole; settings: BusSettings; log: Logger; max?: number }): Promise<PgBoss> {
  const worker = options.role === 'worker';
  const boss = new PgBoss(
    keepingConnections({
      connectionString: url,
      application_name: `accrue-${options.role}`,
      max: options.max ?? (worker ? 10 : 4),
      useListenNotify: worker,
      supervise: worker,
      schedule: worker,
      superviseIntervalSeconds: options.settings.superviseSeconds,
      monitorIntervalSeconds: options.settings.superviseSeconds,
      registerInstance: worker,
      instanceName: `accrue-${options.role}`,
      // Our own spans carry the trace: the worker's `process {queue}` span continues the
      // request's trace from the event's stored traceparent (docs/observability.md).
      // pg-boss's telemetry would add a second, unrelated root trace per fetched batch
      // (the relay inserts jobs outside any span, so there is no context to continue),
      // and store a trace context column on every job for nothing.
      openTelemetry: { enabled: false },
      // `accrue migrate` creates schema pgboss, owned by the runtime role
      // (src/db/grantRuntimeRole.ts); pg-boss installs and upgrades its tables in it.
      // CREATE SCHEMA IF NOT EXISTS would need CREATE on the database, which the
      // runtime role does not have.
      createSchema: false,
    }),
  );
  // pg-boss emits connection losses (pg_terminate_backend, restarts) as 'error';
  // its pool reconnects by itself. Without a listener the process would crash.
  boss.on('error', (err) => options.log.warn({ err: { message: err.message } }, 'pg-boss error'));
  boss.on('warning', (w) => options.log.debug({ warning: w.message }, 'pg-boss warning'));
  await boss.start({ attempts: 5 });
  return boss;
}
