import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { insertApiKey } from '../../auth/apiKeys.ts';
import { resolveExpiry } from '../../auth/keyExpiry.ts';
import { apiKeyResource, apiKeySchema, findApiKey, listApiKeys } from '../../auth/listApiKeys.ts';
import { revokeApiKey } from '../../auth/revokeApiKey.ts';
import { SCOPES, scopeSchema } from '../../auth/scopes.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { identifier, safeText } from '../../events/primitives.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runCommand } from '../runCommand.ts';
import { conflict, errorResponses, idempotencyHeader, json, locationHeader, notFound, readErrorResponses } from './commonSchemas.ts';

const security = [{ bearer: [] }];
const admin = [requireScope('admin')];
const idParam = z.object({ id: identifier });

const createBody = z
  .object({
    name: safeText(200).pipe(z.string().min(1)).meta({ description: 'who or what uses the key' }),
    scopes: z.array(scopeSchema).min(1).meta({ description: `any of ${SCOPES.join(', ')}` }),
    expiresIn: z.string().max(20).optional().meta({ description: 'e.g. 90m, 12h, 30d, 8w (not with expiresAt)' }),
    expiresAt: z.string().max(40).optional().meta({ description: 'ISO 8601 datetime with offset, or a day YYYY-MM-DD (00:00 UTC)' }),
  })
  .strict()
  .meta({ id: 'CreateApiKey' });
const createdSchema = apiKeySchema.extend({ token: z.string().meta({ description: 'shown only in this answer; only its sha256 is stored' }) });
const revokedSchema = apiKeySchema.extend({ alreadyRevoked: z.boolean() });

const list = createRoute({
  method: 'get', path: '/v1/api-keys', operationId: 'listApiKeys', tags: ['api keys'], security, middleware: admin,
  summary: 'Every API key: name, scopes, status, created, last used (≤ 1 min stale), revoked, expires; never a token',
  responses: { 200: json(z.object({ items: z.array(apiKeySchema) }), 'all keys, oldest first'), ...readErrorResponses },
});
const get = createRoute({
  method: 'get', path: '/v1/api-keys/{id}', operationId: 'getApiKey', tags: ['api keys'], security, middleware: admin,
  summary: 'One API key', request: { params: idParam },
  responses: { 200: json(apiKeySchema, 'the key'), ...readErrorResponses, ...notFound },
});
const create = createRoute({
  method: 'post', path: '/v1/api-keys', operationId: 'createApiKey', tags: ['api keys'], security, middleware: admin,
  summary: 'Create a key (ApiKeyCreated); the token is in this answer only. Idempotency-Key is refused here: the answer would have to be stored with the token in it',
  request: { body: { required: true, content: { 'application/json': { schema: createBody } } } },
  responses: { 201: json(createdSchema, 'created; keep the token now', locationHeader), ...errorResponses },
});
const revoke = createRoute({
  method: 'post', path: '/v1/api-keys/{id}/revoke', operationId: 'revokeApiKey', tags: ['api keys'], security, middleware: admin,
  summary: 'Revoke a key (ApiKeyRevoked): its next request gets 401. Revoking it again changes nothing',
  request: { params: idParam, headers: idempotencyHeader },
  responses: { 200: json(revokedSchema, 'revoked (now or before)'), ...errorResponses, ...notFound, ...conflict },
});

/** /v1/api-keys (admin scope): the same operations as `accrue api-key list|create|revoke`. */
export function registerApiKeyRoutes(app: ApiApp, deps: RouteDeps): void {
  const { now } = deps;

  app.openapi(list, async (c) => c.json({ items: await listApiKeys(deps.db, now()) }, 200));

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const key = await findApiKey(deps.db, id, now());
    if (!key) throw new NotFoundError(`no API key ${id}`);
    return c.json(key, 200);
  });

  app.openapi(create, async (c) => {
    // runCommand would keep the first answer for replays, and this answer holds the token.
    if (c.req.header('idempotency-key') !== undefined) {
      throw new ValidationError('Idempotency-Key is not accepted when creating an API key', [
        { field: 'Idempotency-Key', message: 'the answer carries the token, which is never stored; send the request without it' },
      ]);
    }
    const body = c.req.valid('json');
    const at = now();
    const expiresAt = resolveExpiry(body, at);
    return runCommand(c, deps, async (tx, ctx) => {
      const key = await insertApiKey(tx, { name: body.name, scopes: body.scopes, expiresAt }, ctx, at);
      const resource = apiKeyResource({ ...key, created_at: key.createdAt, expires_at: key.expiresAt, last_used_at: null, revoked_at: null }, at);
      // no-store: no cache or proxy between here and the caller may keep the token.
      return { status: 201, body: { ...resource, token: key.token }, headers: { 'Cache-Control': 'no-store', Location: `/v1/api-keys/${key.id}` } };
    }, { command: 'api-key.create' });
  });

  app.openapi(revoke, async (c) => {
    const { id } = c.req.valid('param');
    return runCommand(c, deps, async (tx, ctx) => {
      const { key, alreadyRevoked } = await revokeApiKey(tx, id, ctx, now());
      return { status: 200, body: { ...key, alreadyRevoked } };
    }, { command: 'api-key.revoke' });
  });
}
