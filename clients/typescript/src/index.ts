import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.d.ts';

export type { components, operations, paths };
/** The API's named schemas: `Schemas['Invoice']`, `Schemas['RevenueByMonth']`, `Schemas['Problem']`... */
export type Schemas = components['schemas'];
export type AccrueClient = Client<paths>;

/**
 * A typed client of the accrue API: every path, parameter, body and answer is typed
 * from the API's OpenAPI document (src/schema.d.ts, `npm run client:generate` in the
 * accrue repository). `token`: an API key, ACCRUE_BOOTSTRAP_TOKEN or .data/local-token.
 */
export function createAccrueClient(options: { baseUrl: string; token: string } & Omit<ClientOptions, 'baseUrl'>): AccrueClient {
  const { token, headers, ...rest } = options;
  return createClient<paths>({ ...rest, headers: { ...headers, Authorization: `Bearer ${token}` } });
}
