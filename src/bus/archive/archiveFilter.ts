import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.ts';
import { ValidationError } from '../../errors.ts';
import { zodIssues } from '../../events/envelope.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which archived jobs a list or replay is about. `ids` takes archive ids (numbers),
 * event ids or job ids (uuids). `subscriber` and `queue` are the same thing (a
 * subscriber's queue is named after it). Times bound archived_at.
 */
export const ArchiveFilterSchema = z.object({
  subscriber: z.string().min(1).optional(),
  queue: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  /** Part of the error message, any case. */
  error: z.string().min(1).max(200).optional(),
  since: z.coerce.date({ error: 'an ISO 8601 date or time, e.g. 2026-11-01T00:00:00Z' }).optional(),
  until: z.coerce.date({ error: 'an ISO 8601 date or time, e.g. 2026-11-01T00:00:00Z' }).optional(),
  ids: z
    .array(z.string().refine((v) => /^\d+$/.test(v) || uuid.test(v), { message: 'an archive id (number) or an event/job id (uuid)' }))
    .optional(),
  /** Also rows already replayed (replay re-sends only never-replayed rows by default). */
  includeReplayed: z.boolean().optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
});

export type ArchiveFilter = z.infer<typeof ArchiveFilterSchema>;

export function archiveWhere(filter: ArchiveFilter, options: { onlyNotReplayed: boolean }) {
  return (eb: ExpressionBuilder<Database, 'failed_job_archive'>): Expression<SqlBool> => {
    const parts: Expression<SqlBool>[] = [];
    const queue = filter.subscriber ?? filter.queue;
    if (filter.subscriber && filter.queue && filter.subscriber !== filter.queue) parts.push(sql<boolean>`false`);
    if (queue) parts.push(eb('queue', '=', queue));
    if (filter.type) parts.push(eb('event_type', '=', filter.type));
    if (filter.error) parts.push(sql<boolean>`strpos(lower(error_message), lower(${filter.error})) > 0`);
    if (filter.since) parts.push(eb('archived_at', '>=', filter.since));
    if (filter.until) parts.push(eb('archived_at', '<', filter.until));
    if (filter.ids && filter.ids.length > 0) {
      const numbers = filter.ids.filter((v) => /^\d+$/.test(v)).map(Number);
      const uuids = filter.ids.filter((v) => uuid.test(v)).map((v) => v.toLowerCase());
      const any: Expression<SqlBool>[] = [];
      if (numbers.length) any.push(eb('id', 'in', numbers));
      if (uuids.length) any.push(eb('event_id', 'in', uuids), eb('job_id', 'in', uuids));
      parts.push(eb.or(any));
    }
    if (options.onlyNotReplayed && !filter.includeReplayed) parts.push(eb('replay_count', '=', 0));
    return eb.and(parts);
  };
}

/**
 * The same filter from strings, as a query string or CLI flags give it: ids
 * comma-separated, limit and includeReplayed as text. For GET /v1/archive and
 * POST /v1/archive/replay; a bad value throws ValidationError naming the field.
 */
export function parseArchiveQuery(query: Record<string, string | undefined>): ArchiveFilter {
  const parsed = ArchiveFilterSchema.safeParse({
    subscriber: query.subscriber || undefined,
    queue: query.queue || undefined,
    type: query.type || undefined,
    error: query.error || undefined,
    since: query.since || undefined,
    until: query.until || undefined,
    ids: query.ids ? query.ids.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    limit: query.limit ? Number(query.limit) : undefined,
    includeReplayed: query.includeReplayed === undefined ? undefined : query.includeReplayed === 'true' || query.includeReplayed === '1',
  });
  if (!parsed.success) throw new ValidationError('invalid archive filter', zodIssues(parsed.error));
  return parsed.data;
}
