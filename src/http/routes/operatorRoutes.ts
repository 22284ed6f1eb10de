import { createRoute } from '@hono/zod-openapi';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { listArchive } from '../../bus/archive/listArchive.ts';
import { parseArchiveQuery } from '../../bus/archive/archiveFilter.ts';
import { replayArchive } from '../../bus/archive/replayArchive.ts';
import { getStatus } from '../../bus/operator/getStatus.ts';
import { getThroughput } from '../../bus/operator/getThroughput.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import type { RouteModule } from '../app.ts';
import { errorResponses, instant, json, readErrorResponses } from './commonSchemas.ts';
import { eventContext } from '../runCommand.ts';

const count = z.number().int();
const queueCounts = z.object({ created: count, retry: count, active: count, completed: count, failed: count, cancelled: count });
const breaker = z.object({
  state: z.enum(['closed', 'open', 'half_open']),
  failures: count,
  openedAt: instant.nullable(),
  nextAttemptAt: instant.nullable().meta({ description: "open: when the next probe may go; half_open: when the running probe's lease ends" }),
  lastError: z.string().nullable(),
  lastFailureAt: instant.nullable(),
  updatedAt: instant,
});
const statusSchema = z
  .object({
    outbox: z.object({ pending: count, oldestPendingSeconds: z.number() }),
    queues: z.record(z.string(), queueCounts).meta({ description: 'queue name → jobs per state' }),
    appliedInRelay: z
      .record(z.string(), count)
      .meta({ description: 'subscriber → events relays applied themselves (no job made; ACCRUE_RELAY_APPLY_MAX_EVENTS), over the same retention as completed jobs' }),
    archive: z.object({ total: count, notReplayed: count }),
    breakers: z.record(z.string(), breaker).meta({ description: 'breaker name (a webhook endpoint or dependency) → state' }),
    database: z.object({
      role: z.string(),
      superuser: z.boolean(),
      ownsTables: z.boolean(),
      warning: z.string().optional().meta({ description: 'present when the role holds more than the runtime needs' }),
    }),
    drained: z.boolean().meta({ description: 'the outbox is empty and no queue has created, retry or active jobs' }),
  })
  .meta({ id: 'OpsStatus' });
const throughputSchema = z
  .object({
    from: instant,
    to: instant.meta({ description: 'exclusive: the end of the current minute' }),
    minutes: z.array(
      z.object({
        minute: instant,
        relayed: count.meta({ description: 'events the relay moved into jobs in this minute, one per event and subscriber (a bundle job counts its events; replays left out)' }),
        completed: count.meta({ description: 'events whose jobs completed in this minute (a split bundle counts none: its events complete as their own jobs)' }),
        failed: count.meta({ description: 'events whose jobs failed for good in this minute' }),
        lagAvgMs: z.number().int().nullable().meta({ description: "relay lag of the minute's events (event recorded → job created; a bundle: its first event's), mean ms" }),
        lagMaxMs: z.number().int().nullable(),
      }),
    ),
  })
  .meta({ id: 'OpsThroughput' });
const throughputQuery = z.object({
  minutes: z.coerce.number().int().min(1).max(24 * 60).default(60).meta({ description: 'how many minutes back, up to a day (default 60)' }),
});

const archiveItem = z
  .object({
    id: count,
    jobId: z.string(),
    queue: z.string(),
    subscriber: z.string(),
    eventId: z.string().nullable(),
    eventType: z.string().nullable(),
    payload: z.unknown().meta({ description: 'the job data as it was enqueued' }),
    poison: z.boolean(),
    errorMessage: z.string(),
    errorStack: z.string().nullable(),
    attempts: count,
    firstAttemptAt: instant.nullable(),
    lastAttemptAt: instant.nullable(),
    archivedAt: instant,
    replayCount: count,
    lastReplayedAt: instant.nullable(),
  })
  .meta({ id: 'ArchivedJob' });
const archivePage = z.object({ items: z.array(archiveItem), total: count.meta({ description: 'every match, not only this page' }) }).meta({ id: 'ArchivePage' });
const replayResult = z.object({ matched: count, replayed: count, dryRun: z.boolean() }).meta({ id: 'ReplayResult' });

const archiveQuery = z.object({
  subscriber: z.string().optional(),
  queue: z.string().optional(),
  type: z.string().optional(),
  error: z.string().max(200).optional().meta({ description: 'part of the error message, any case' }),
  since: z.string().optional().meta({ description: 'ISO 8601; bounds archived_at' }),
  until: z.string().optional(),
  ids: z.string().optional().meta({ description: 'comma-separated archive ids, event ids or job ids' }),
  includeReplayed: z.enum(['true', 'false']).optional(),
  limit: z.string().optional(),
  after: z.string().regex(/^\d+$/).optional().meta({ description: 'archive id to continue after (pagination)' }),
});
const replayBody = archiveQuery.omit({ after: true }).extend({ dryRun: z.boolean().optional() });

/**
 * Operator endpoints (admin scope): pipeline status, the failed-job archive and
 * replay. Replay needs a pg-boss client to enqueue with; `getBoss` starts one on
 * first use in processes that have none.
 */
export function operatorRoutes(options: { getBoss: () => Promise<PgBoss> }): RouteModule {
  return (app: ApiApp, deps: RouteDeps) => {
    app.openapi(
      createRoute({
        method: 'get', path: '/v1/ops/status', operationId: 'getOpsStatus', tags: ['operations'],
        summary: 'Outbox backlog, jobs per queue and state, archive size, circuit breakers, the database role (warning when superuser or owner); drained = nothing pending',
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        responses: { 200: json(statusSchema, 'pipeline status'), ...readErrorResponses },
      }),
      async (c) => c.json(await getStatus(deps.db), 200),
    );
    app.openapi(
      createRoute({
        method: 'get', path: '/v1/ops/throughput', operationId: 'getOpsThroughput', tags: ['operations'],
        summary: "Minute by minute: events relayed (per subscriber) and the relay lag, events completed and failed (from pg-boss's retained jobs)",
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        request: { query: throughputQuery },
        responses: { 200: json(throughputSchema, 'one entry per minute, oldest first, empty minutes included'), ...readErrorResponses },
      }),
      async (c) => c.json(await getThroughput(deps.db, { now: deps.now(), minutes: c.req.valid('query').minutes }), 200),
    );
    app.openapi(
      createRoute({
        method: 'get', path: '/v1/archive', operationId: 'listArchive', tags: ['operations'],
        summary: 'Failed jobs kept in the permanent archive (what failed, why, since when)',
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        request: { query: archiveQuery },
        responses: { 200: json(archivePage, 'archived jobs, oldest first, and the total matching'), ...readErrorResponses },
      }),
      async (c) => {
        const { after, ...q } = c.req.valid('query');
        const page = await listArchive(deps.db, parseArchiveQuery(q), { after: after ? Number(after) : undefined });
        return c.json(page, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'post', path: '/v1/archive/replay', operationId: 'replayArchive', tags: ['operations'],
        summary: 'Re-enqueue archived jobs matching the filter (each effect still applies once)',
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        request: { body: { content: { 'application/json': { schema: replayBody } } } },
        responses: { 200: json(replayResult, 'how many matched and were replayed'), ...errorResponses },
      }),
      async (c) => {
        const { dryRun, ...q } = c.req.valid('json');
        const filter = parseArchiveQuery(q);
        // Recorded as an ArchiveReplayed event with the caller as actor (audit trail).
        const result = await replayArchive(deps.db, await options.getBoss(), filter, { now: deps.now(), dryRun: dryRun ?? false, audit: eventContext(c) });
        return c.json(result, 200);
      },
    );
  };
}
