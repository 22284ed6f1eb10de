import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { safeText } from '../../events/primitives.ts';
import { checkWebhookUrl } from '../../subscribers/webhooks/checkWebhookUrl.ts';
import { createEndpoint, deleteEndpoint, DEFAULT_SECRET_OVERLAP_SECONDS, findEndpointRow, listEndpoints, rotateSecret, updateEndpoint } from '../../subscribers/webhooks/endpoints/manageEndpoints.ts';
import { toEndpoint } from '../../subscribers/webhooks/endpoints/webhookEndpoint.ts';
import { listDeliveries, requestReplay, requestRetry } from '../../subscribers/webhooks/endpoints/deliveryLog.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runCommand } from '../runCommand.ts';
import { conflict, errorResponses, idempotencyHeader, instant, json, locationHeader, notFound, readErrorResponses } from './commonSchemas.ts';
import { deliveryListQuery, deliveryPage, deliverySchema, endpointSchema, eventTypesField } from './webhookSchemas.ts';

const tags = ['webhooks'];
const security = [{ bearer: [] }];
const middleware = [requireScope('webhooks:manage')];
const idParam = z.object({ id: z.uuid().meta({ description: 'the endpoint id' }) });
const deliveryParam = z.object({ id: z.uuid().meta({ description: 'the delivery id' }) });
const url = z.string().max(2048).meta({ description: 'http(s) URL; must resolve to public addresses (unless ACCRUE_WEBHOOK_ALLOW_PRIVATE)', example: 'https://hooks.example.com/accrue' });

const createBody = z
  .object({
    url,
    eventTypes: eventTypesField.default('*'),
    description: safeText(500).default(''),
    enabled: z.boolean().default(true),
  })
  .strict()
  .meta({ id: 'CreateWebhookEndpoint' });
const updateBody = z
  .object({ url: url.optional(), eventTypes: eventTypesField.optional(), description: safeText(500).optional(), enabled: z.boolean().optional() })
  .strict()
  .meta({ id: 'UpdateWebhookEndpoint' });
const rotateBody = z
  .object({ overlapSeconds: z.number().int().min(0).max(7 * 86_400).optional().meta({ description: `how long the old secret keeps signing beside the new one; default ${DEFAULT_SECRET_OVERLAP_SECONDS} (a day)` }) })
  .strict()
  .meta({ id: 'RotateWebhookSecret' });
const replayBody = z
  .object({
    since: z.iso.datetime({ offset: true }).meta({ description: 'events recorded at or after this instant' }),
    until: z.iso.datetime({ offset: true }).optional().meta({ description: 'and before this one; default now' }),
    eventTypes: eventTypesField.default('*').meta({ description: "only these types (within the endpoint's own filter); default '*'" }),
  })
  .strict()
  .meta({ id: 'ReplayWebhookEvents' });
const withSecret = endpointSchema.extend({
  secret: z.string().meta({ description: 'whsec_<base64>: the signing secret, shown in this answer only', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
}).meta({ id: 'WebhookEndpointWithSecret' });
const noSecretKey = 'the answer carries the signing secret, which is never stored with an Idempotency-Key; send the request without it';

const list = createRoute({
  method: 'get', path: '/v1/webhook-endpoints', operationId: 'listWebhookEndpoints', tags, security, middleware,
  summary: 'Every webhook endpoint (never a secret)',
  responses: { 200: json(z.object({ items: z.array(endpointSchema) }), 'all endpoints, oldest first'), ...readErrorResponses },
});
const get = createRoute({
  method: 'get', path: '/v1/webhook-endpoints/{id}', operationId: 'getWebhookEndpoint', tags, security, middleware,
  summary: 'One webhook endpoint', request: { params: idParam },
  responses: { 200: json(endpointSchema, 'the endpoint'), ...readErrorResponses, ...notFound },
});
const create = createRoute({
  method: 'post', path: '/v1/webhook-endpoints', operationId: 'createWebhookEndpoint', tags, security, middleware,
  summary: 'Register an endpoint (WebhookEndpointCreated); its signing secret is in this answer only',
  description: 'A URL that is not http(s) is a 400; one whose host resolves to a loopback, private, link-local or metadata address, or does not resolve, a 422; both name `url`.',
  request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
  responses: { 201: json(withSecret, 'registered; keep the secret now', locationHeader), ...errorResponses },
});
const update = createRoute({
  method: 'patch', path: '/v1/webhook-endpoints/{id}', operationId: 'updateWebhookEndpoint', tags, security, middleware,
  summary: 'Change url, eventTypes, description or enabled (WebhookEndpointUpdated with what changed); enabled: true also clears a disable for failure',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: updateBody } } } },
  responses: { 200: json(endpointSchema, 'the endpoint as it is now'), ...errorResponses, ...notFound },
});
const remove = createRoute({
  method: 'delete', path: '/v1/webhook-endpoints/{id}', operationId: 'deleteWebhookEndpoint', tags, security, middleware,
  summary: 'Delete an endpoint (WebhookEndpointDeleted): nothing more is sent to it; its delivery log stays readable',
  request: { params: idParam },
  responses: { 200: json(z.object({ id: z.uuid(), deleted: z.literal(true) }), 'deleted'), ...readErrorResponses, ...notFound },
});
const rotate = createRoute({
  method: 'post', path: '/v1/webhook-endpoints/{id}/rotate-secret', operationId: 'rotateWebhookSecret', tags, security, middleware,
  summary: 'A new signing secret (in this answer only); the old one keeps signing beside it for overlapSeconds, so webhook-signature carries two v1 signatures meanwhile',
  request: { params: idParam, body: { required: false, content: { 'application/json': { schema: rotateBody } } } },
  responses: { 200: json(withSecret, 'rotated; keep the new secret now'), ...errorResponses, ...notFound },
});
const deliveries = createRoute({
  method: 'get', path: '/v1/webhook-endpoints/{id}/deliveries', operationId: 'listWebhookDeliveries', tags, security, middleware,
  summary: "An endpoint's deliveries, newest first, each with its attempts (status code, latency, first KiB of the answer)",
  request: { params: idParam, query: deliveryListQuery },
  responses: { 200: json(deliveryPage, 'a page of deliveries'), ...readErrorResponses, ...notFound },
});
const retry = createRoute({
  method: 'post', path: '/v1/webhook-deliveries/{id}/retry', operationId: 'retryWebhookDelivery', tags, security, middleware,
  summary: 'Send a delivery once more, now (WebhookDeliveryRetried), with the same webhook-id',
  request: { params: deliveryParam, headers: idempotencyHeader },
  responses: { 202: json(deliverySchema, 'accepted: the attempt is queued; the delivery as it was'), ...errorResponses, ...notFound, ...conflict },
});
const replay = createRoute({
  method: 'post', path: '/v1/webhook-endpoints/{id}/replay', operationId: 'replayWebhookEvents', tags, security, middleware,
  summary: 'Send again every stored event recorded in [since, until) that the endpoint takes (WebhookReplayRequested), with their own ids as webhook-id so receivers dedupe',
  request: { params: idParam, headers: idempotencyHeader, body: { required: true, content: { 'application/json': { schema: replayBody } } } },
  responses: {
    202: json(z.object({ endpointId: z.uuid(), since: instant, until: instant, events: z.number().int().meta({ description: "stored events in the range (before the endpoint's type filter)" }) }), 'accepted: the deliveries are being queued'),
    ...errorResponses,
    ...notFound,
  },
});

/** /v1/webhook-endpoints and /v1/webhook-deliveries (scope webhooks:manage, or admin). */
export function registerWebhookEndpointRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;
  const urlCheck = { allowPrivate: deps.webhooks?.allowPrivate ?? false, resolve: deps.webhooks?.resolve };
  const refuseIdempotencyKey = (key: string | undefined) => {
    if (key !== undefined) throw new ValidationError('Idempotency-Key is not accepted here', [{ field: 'Idempotency-Key', message: noSecretKey }]);
  };

  app.openapi(list, async (c) => c.json({ items: await listEndpoints(deps.db, now()) }, 200));

  app.openapi(get, async (c) => c.json(toEndpoint(await findEndpointRow(deps.db, c.req.valid('param').id), now()), 200));

  app.openapi(create, async (c) => {
    refuseIdempotencyKey(c.req.header('idempotency-key'));
    const body = c.req.valid('json');
    await checkWebhookUrl(body.url, urlCheck);
    return runCommand(c, deps, async (tx, ctx) => {
      const { endpoint, secret } = await createEndpoint(tx, body, ctx, now());
      return { status: 201, body: { ...endpoint, secret }, headers: { 'Cache-Control': 'no-store', Location: `/v1/webhook-endpoints/${endpoint.id}` } };
    }, { command: 'webhook-endpoint.create' });
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    if (body.url !== undefined) await checkWebhookUrl(body.url, urlCheck);
    return runCommand(c, deps, async (tx, ctx) => ({ status: 200, body: await updateEndpoint(tx, id, body, ctx, now()) }), { command: 'webhook-endpoint.update' });
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    return runCommand(c, deps, async (tx, ctx) => {
      await deleteEndpoint(tx, id, ctx, now());
      return { status: 200, body: { id, deleted: true as const } };
    }, { command: 'webhook-endpoint.delete' });
  });

  app.openapi(rotate, async (c) => {
    refuseIdempotencyKey(c.req.header('idempotency-key'));
    const { id } = c.req.valid('param');
    const body = c.get('body') === undefined ? {} : rotateBody.parse(c.get('body'));
    return runCommand(c, deps, async (tx, ctx) => {
      const { endpoint, secret } = await rotateSecret(tx, id, body.overlapSeconds ?? DEFAULT_SECRET_OVERLAP_SECONDS, ctx, now());
      return { status: 200, body: { ...endpoint, secret }, headers: { 'Cache-Control': 'no-store' } };
    }, { command: 'webhook-endpoint.rotate-secret' });
  });

  app.openapi(deliveries, async (c) => {
    const { id } = c.req.valid('param');
    const q = c.req.valid('query');
    const page = await listDeliveries(deps.db, id, {
      status: q.status,
      eventType: q.eventType,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      after: q.cursor,
      limit: q.limit,
    });
    return c.json(page, 200);
  });

  app.openapi(retry, async (c) => {
    const { id } = c.req.valid('param');
    return runCommand(c, deps, async (tx, ctx) => {
      const delivery = await requestRetry(tx, id, ctx, now());
      return { status: 202, body: delivery };
    }, { command: 'webhook-delivery.retry' });
  });

  app.openapi(replay, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const at = now();
    const since = new Date(body.since);
    const until = body.until ? new Date(body.until) : at;
    if (since >= until) throw new ValidationError('since must be before until', [{ field: 'since', message: 'must be before until' }]);
    return runCommand(c, deps, async (tx, ctx) => {
      const { events } = await requestReplay(tx, id, { since, until, eventTypes: body.eventTypes }, ctx, at);
      return { status: 202, body: { endpointId: id, since: since.toISOString(), until: until.toISOString(), events } };
    }, { command: 'webhook-endpoint.replay' });
  });
}
