import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { EVENT_TYPE_NAMES } from '../../events/eventTypes.ts';
import { identifier } from '../../events/primitives.ts';
import { publicEventSchema, toPublicEvent } from '../../events/publicEvent.ts';
import { FEED_START, formatCursor, parseCursor } from '../../events/feed/feedCursor.ts';
import { readFeed, type FeedFilter } from '../../events/feed/readFeed.ts';
import { createFeedFollowers, type FeedFollowers } from '../../events/feed/followFeed.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { json, readErrorResponses } from './commonSchemas.ts';

const CURSOR = /^\d{1,20}-\d{1,19}$/;
const cursor = z.string().regex(CURSOR, 'not a feed cursor: use a nextCursor or an SSE id this API returned');
const eventTypeList = z
  .string()
  .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
  .pipe(z.array(z.enum(EVENT_TYPE_NAMES as [string, ...string[]])).max(EVENT_TYPE_NAMES.length))
  .meta({ description: 'comma-separated event types, e.g. InvoiceIssued,InvoicePaid; default all' });

const filterQuery = {
  types: eventTypeList.optional(),
  aggregateId: identifier.optional().meta({ description: 'only the events of this aggregate (an invoice or customer id)' }),
};

const feedPage = z
  .object({
    data: z.array(publicEventSchema),
    nextCursor: cursor.meta({ description: 'pass as `after` for the next page; always present, also when data is empty' }),
  })
  .meta({ id: 'EventFeedPage' });

const list = createRoute({
  method: 'get',
  path: '/v1/events',
  operationId: 'listEvents',
  tags: ['events'],
  summary: 'The event store in commit order, as cursor pages',
  description:
    'Resume from the last nextCursor and no event is missed, including one whose transaction took an earlier position ' +
    'but committed later: an event appears once every older transaction has ended. A page shorter than `limit` ' +
    'means the consumer is level with the store (for now).',
  security: [{ bearer: [] }],
  middleware: [requireScope('events:read')] as const,
  request: {
    query: z.object({
      after: cursor.optional().meta({ description: 'a nextCursor; default the start of the store' }),
      ...filterQuery,
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
  },
  responses: { 200: json(feedPage, 'events after the cursor'), ...readErrorResponses },
});

const stream = createRoute({
  method: 'get',
  path: '/v1/events/stream',
  operationId: 'streamEvents',
  tags: ['events'],
  summary: 'The same feed, live, as Server-Sent Events',
  description:
    'Each event is `id: <cursor>` and `data: <PublicEvent JSON>`. Reconnect with `Last-Event-ID` (EventSource does) and ' +
    'the stream resumes after that event with no gap and no repeat. `: heartbeat` comments keep proxies from closing an idle stream.',
  security: [{ bearer: [] }],
  middleware: [requireScope('events:read')] as const,
  request: {
    query: z.object({ after: cursor.optional().meta({ description: 'start after this cursor (Last-Event-ID wins); default the start of the store' }), ...filterQuery }),
    headers: z.object({ 'last-event-id': cursor.optional().meta({ description: 'the id of the last event received' }) }),
  },
  responses: {
    200: { description: 'an endless text/event-stream', content: { 'text/event-stream': { schema: z.string().meta({ example: 'id: 7421-1830\ndata: {"id":"…","type":"InvoiceIssued",…}\n\n' }) } } },
    ...readErrorResponses,
  },
});

export function registerEventFeedRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    const page = await readFeed(deps.db, { after: q.after ? parseCursor(q.after) : FEED_START, limit: q.limit, filter: filterOf(q) });
    return c.json({ data: page.events.map((e) => toPublicEvent(e.event)), nextCursor: formatCursor(page.nextCursor) }, 200);
  });

  let fallback: FeedFollowers | undefined;
  const eventStream = () =>
    deps.eventStream ?? { followers: (fallback ??= createFeedFollowers({ db: deps.db, pollMs: 1000, log: deps.log })), heartbeatMs: 15_000 };
  app.openapi(stream, async (c) => {
    const q = c.req.valid('query');
    const lastEventId = c.req.valid('header')['last-event-id'];
    const from = lastEventId ? parseCursor(lastEventId, 'Last-Event-ID') : q.after ? parseCursor(q.after) : FEED_START;
    const filter = filterOf(q);
    const { followers, heartbeatMs } = eventStream();
    const log = c.get('log') ?? deps.log;
    c.header('X-Accel-Buffering', 'no'); // nginx: pass events through as they come
    return streamSSE(c, async (sse) => {
      const done = new AbortController();
      sse.onAbort(() => done.abort());
      const heartbeat = setInterval(() => void sse.write(': heartbeat\n\n'), heartbeatMs);
      try {
        await sse.write(': connected\n\n');
        await followers.follow(from, filter, (e) => sse.writeSSE({ id: formatCursor(e.cursor), data: JSON.stringify(toPublicEvent(e.event)) }), done.signal);
      } catch (err) {
        // The client reconnects with Last-Event-ID and resumes where this one stopped.
        log.warn({ err }, 'event stream ended by a failed read');
      } finally {
        clearInterval(heartbeat);
      }
    });
  });
}

function filterOf(q: { types?: string[]; aggregateId?: string }): FeedFilter {
  return { ...(q.types && q.types.length > 0 ? { types: q.types } : {}), ...(q.aggregateId !== undefined ? { aggregateId: q.aggregateId } : {}) };
}
