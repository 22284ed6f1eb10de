import { OpenAPIHono } from '@hono/zod-openapi';
import { NotFoundError, UnauthorizedError } from '../errors.ts';
import { migrationsCheckOn } from './health/checks.ts';
import { opsRoutes } from './health/opsRoutes.ts';
import { registerSecret } from '../telemetry/logger.ts';
import { httpMetricsMiddleware } from '../telemetry/httpMetrics.ts';
import { httpTracingMiddleware } from '../telemetry/httpTracing.ts';
import type { ApiApp, ApiDeps, ApiEnv, RouteDeps } from './context.ts';
import { accessLog } from './middleware/accessLog.ts';
import { cors } from './middleware/cors.ts';
import { authenticate } from './middleware/authenticate.ts';
import { correlation } from './middleware/correlation.ts';
import { jsonBody } from './middleware/jsonBody.ts';
import { registerOpenApi } from './openapi.ts';
import { registerIndexRoute } from './indexRoute.ts';
import { problemResponse, toProblem } from './problem.ts';
import { registerCustomerRoutes } from './routes/customerRoutes.ts';
import { registerEventImportRoutes } from './routes/eventImportRoutes.ts';
import { registerInvoiceActionRoutes } from './routes/invoiceActionRoutes.ts';
import { registerInvoiceRoutes } from './routes/invoiceRoutes.ts';
import { registerPeriodRoutes } from './routes/periodRoutes.ts';
import { registerReportRoutes } from './routes/reportRoutes.ts';
import { registerAuditRoutes } from './routes/auditRoutes.ts';
import { registerApiKeyRoutes } from './routes/apiKeyRoutes.ts';
import { registerEventFeedRoutes } from './routes/eventFeedRoutes.ts';
import { registerCallerRoutes } from './routes/callerRoutes.ts';
import { registerWebhookEndpointRoutes } from './routes/webhookEndpointRoutes.ts';
import { validationHook } from './validation.ts';
import { apiReferenceRoutes } from '../console/apiReference.ts';
import { consoleRoutes } from '../console/consoleRoutes.ts';

export type { ApiApp, ApiDeps, ApiEnv, RouteDeps } from './context.ts';
export { requireScope } from './middleware/authenticate.ts';

export type RouteModule = (app: ApiApp, deps: RouteDeps) => void;

/**
 * The HTTP API. Adding a capability (reports, archive, ops status, health) is one
 * file and one line:
 *
 *   // src/http/routes/reportRoutes.ts
 *   export function registerReportRoutes(app: ApiApp, deps: RouteDeps) {
 *     app.openapi(createRoute({ method: 'get', path: '/v1/reports/revenue',
 *       middleware: [requireScope('reports:read')] as const, request: { query }, responses }), handler);
 *   }
 *
 * then add it to ROUTES below, or pass it in `extraRoutes` from the entry point.
 * Everything under /v1 is authenticated (Bearer) before the route runs; the route
 * names its scope with requireScope(). Paths outside /v1 are public: /livez,
 * /readyz and /metrics (src/http/health/opsRoutes.ts), /openapi.json, /docs and the index at /.
 * Writes go through runCommand() (one transaction: state + events + Idempotency-Key).
 * Throw the errors of src/errors.ts: onError maps them to problem+json.
 */
const ROUTES: RouteModule[] = [
  registerCustomerRoutes,
  registerInvoiceRoutes,
  registerInvoiceActionRoutes,
  registerEventImportRoutes,
  registerPeriodRoutes,
  registerReportRoutes,
  registerAuditRoutes,
  registerApiKeyRoutes,
  registerEventFeedRoutes,
  registerCallerRoutes,
  registerWebhookEndpointRoutes,
];

export function createApp(apiDeps: ApiDeps, extraRoutes: RouteModule[] = []): ApiApp {
  // The one place the API's clock defaults to the system clock: routes and middleware read deps.now.
  const deps: RouteDeps = { ...apiDeps, now: apiDeps.now ?? (() => new Date()) };
  const app: ApiApp = new OpenAPIHono<ApiEnv>({ defaultHook: validationHook });
  registerSecret(deps.bootstrapToken);

  // Order matters: the span first (everything below runs inside it, so log lines and
  // the stored traceparent belong to it), then the duration metric, then the
  // correlation id the request logger needs.
  app.use('*', httpTracingMiddleware());
  app.use('*', httpMetricsMiddleware());
  app.use('*', correlation());
  app.use('*', accessLog(deps.log));
  // Before authenticate: a browser's preflight carries no Authorization header.
  if (deps.corsOrigins && deps.corsOrigins.length > 0) app.use('*', cors(deps.corsOrigins));
  app.route(
    '/',
    opsRoutes({
      db: deps.db,
      migrationsCurrent: deps.readiness?.migrationsCurrent ?? migrationsCheckOn(deps.db),
      bossStarted: deps.readiness?.bossStarted,
      log: deps.log,
    }, { metrics: deps.serveMetrics ?? true }),
  );
  app.use('/v1/*', authenticate(deps));
  app.use('/v1/*', jsonBody(deps.bodyLimitBytes ?? 1024 * 1024));

  for (const register of [...ROUTES, ...extraRoutes]) register(app, deps);
  registerOpenApi(app);
  registerIndexRoute(app);
  // Browser pages: the API reference and the operator console, public shells that call /v1 with the user's token.
  app.route('/', apiReferenceRoutes());
  app.route('/', consoleRoutes());

  app.notFound((c) => problemResponse(c, { ...toProblem(new NotFoundError(`no route ${c.req.method} ${c.req.path}`)).problem, correlationId: c.get('correlationId') }));
  app.onError((err, c) => {
    const { problem, internal } = toProblem(err);
    const log = c.get('log') ?? deps.log;
    if (internal) log.error({ err, path: c.req.path }, 'request failed');
    else if (err instanceof UnauthorizedError) log.debug({ path: c.req.path }, 'unauthenticated request');
    const res = problemResponse(c, { ...problem, correlationId: c.get('correlationId') });
    res.headers.set('X-Correlation-Id', c.get('correlationId') ?? '');
    if (problem.status === 401) res.headers.set('WWW-Authenticate', 'Bearer');
    return res;
  });
  return app;
}
