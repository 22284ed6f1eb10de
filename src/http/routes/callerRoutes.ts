import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { SCOPES, scopeSchema } from '../../auth/scopes.ts';
import type { ApiApp } from '../context.ts';
import { json, readErrorResponses } from './commonSchemas.ts';

const callerSchema = z
  .object({
    id: z.string().meta({ description: 'the API key id (`bootstrap` for ACCRUE_BOOTSTRAP_TOKEN); the actor of every event this caller writes' }),
    name: z.string(),
    scopes: z.array(scopeSchema).meta({ description: `what the token may do: any of ${SCOPES.join(', ')} (admin implies all)` }),
  })
  .meta({ id: 'Caller' });

const route = createRoute({
  method: 'get',
  path: '/v1/me',
  operationId: 'getCaller',
  tags: ['api keys'],
  summary: "Who the bearer token is and its scopes (any valid token): what a client such as the console offers its user",
  security: [{ bearer: [] }],
  responses: { 200: json(callerSchema, 'the caller'), ...readErrorResponses },
});

/** GET /v1/me: the authenticated principal, never its token. */
export function registerCallerRoutes(app: ApiApp): void {
  app.openapi(route, (c) => {
    const { id, name, scopes } = c.get('principal');
    return c.json({ id, name, scopes: [...scopes] }, 200);
  });
}
