import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../db/connect.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Principal } from '../auth/scopes.ts';
import type { MigrationState } from './health/checks.ts';
import type { Limits } from '../values/limits.ts';
import type { FeedFollowers } from '../events/feed/followFeed.ts';
import type { ResolveHost } from '../subscribers/webhooks/checkWebhookUrl.ts';

/** What the HTTP layer needs, passed by hand from the entry point (no container). */
export type ApiDeps = {
  db: Db;
  log: Logger;
  /** ACCRUE_BOOTSTRAP_TOKEN: a token with every scope (local use and tests). */
  bootstrapToken?: string;
  /** ACCRUE_CORS_ORIGINS: browser origins allowed to call the API; none by default. */
  corsOrigins?: readonly string[];
  /** ACCRUE_BODY_LIMIT_BYTES, default 1 MiB. */
  bodyLimitBytes?: number;
  /** ACCRUE_MAX_* bounds on invoices, imports and report ranges (src/values/limits.ts); default: the documented defaults. */
  limits?: Limits;
  /** The clock; business dates default to its UTC day. Default: the system clock, set once in createApp. */
  now?: () => Date;
  /**
   * What GET /readyz checks besides the database. Default: migrations read through
   * `db`, no pg-boss check (the API process has none; `accrue start` passes bossStarted).
   */
  readiness?: { migrationsCurrent?: () => Promise<MigrationState>; bossStarted?: () => boolean };
  /** Serve GET /metrics on the API's port (default). false: ACCRUE_OPS_PORT serves it, kept off the public port. */
  serveMetrics?: boolean;
  /** GET /v1/events/stream: the process's shared feed reader and the heartbeat period. Default: one polling every second, made on the first stream. */
  eventStream?: { followers: FeedFollowers; heartbeatMs: number };
  /** ACCRUE_WEBHOOK_ALLOW_PRIVATE (default false: private webhook URLs are refused), and the resolver the URL check uses (tests). */
  webhooks?: { allowPrivate: boolean; resolve?: ResolveHost };
};

/** What routes and middleware get from createApp: the deps with the clock resolved once, there. */
export type RouteDeps = ApiDeps & { now: () => Date };

/** Per-request values the middleware sets. */
export type ApiVariables = {
  correlationId: string;
  traceparent: string | null;
  principal: Principal;
  /** The request body, parsed and checked by jsonBody(); undefined when empty. */
  body: unknown;
  /** deps.log with this request's correlation id (accessLog()); trace ids come from the mixin. */
  log: Logger;
};

export type ApiEnv = { Variables: ApiVariables };
export type ApiApp = OpenAPIHono<ApiEnv>;
