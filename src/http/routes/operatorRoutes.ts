import { createRoute } from '@hono/zod-openapi';
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { listArchive } from '../../bus/archive/listArchive.ts';
import { parseArchiveQuery } from '../../bus/archive/archiveFilter.ts';
import { replayArchive } from '../../bus/archive/replayArchive.ts';
import { getStatus } from '../../bus/operator/getStatus.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import type { RouteModule } from '../app.ts';
import { errorResponses, readErrorResponses } from './commonSchemas.ts';
import { eventContext } from '../runCommand.ts';

const anyJson = (description: string) => ({ description, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } });

const archiveQuery = z.object({
  subscriber: z.string().optional(),
  queue: z.string().optional(),
  type: z.string().optional(),
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
        method: 'get', path: '/v1/ops/status', tags: ['operations'],
        summary: 'Outbox backlog, jobs per queue and state, archive size, circuit breakers, the database role (warning when superuser or owner); drained = nothing pending',
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        responses: { 200: anyJson('pipeline status'), ...readErrorResponses },
      }),
      async (c) => c.json(await getStatus(deps.db), 200),
    );
    app.openapi(
      createRoute({
        method: 'get', path: '/v1/archive', tags: ['operations'],
        summary: 'Failed jobs kept in the permanent archive (what failed, why, since when)',
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        request: { query: archiveQuery },
        responses: { 200: anyJson('archived jobs, oldest first, and the total matching'), ...readErrorResponses },
      }),
      async (c) => {
        const { after, ...q } = c.req.valid('query');
        const page = await listArchive(deps.db, parseArchiveQuery(q), { after: after ? Number(after) : undefined });
        return c.json(page, 200);
      },
    );
    app.openapi(
      createRoute({
        method: 'post', path: '/v1/archive/replay', tags: ['operations'],
        summary: 'Re-enqueue archived jobs matching the filter (each effect still applies once)',
        security: [{ bearer: [] }], middleware: [requireScope('admin')] as const,
        request: { body: { content: { 'application/json': { schema: replayBody } } } },
        responses: { 200: anyJson('how many matched and were replayed'), ...errorResponses },
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
