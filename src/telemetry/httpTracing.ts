import type { MiddlewareHandler } from 'hono';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { routePattern, UNMATCHED_ROUTE } from './httpMetrics.ts';
import { ATTR, SPAN } from './names.ts';
import { tracer } from './tracing.ts';

/**
 * One SERVER span per HTTP request, `{method} {route}` once the route is known.
 * An incoming `traceparent` header (a caller that traces) becomes the parent, through
 * the propagator initTracing registered. Mount before the routes; handlers then see
 * the span as active, so currentTraceparent() inside the transaction is this trace.
 */
export function httpTracingMiddleware(): MiddlewareHandler {
  return async (c, next) => {
    const parent = propagation.extract(context.active(), c.req.raw.headers, {
      get: (h, k) => h.get(k) ?? undefined,
      keys: (h) => [...h.keys()],
    });
    const span = tracer().startSpan(
      SPAN.httpRequest(c.req.method, undefined),
      { kind: SpanKind.SERVER, attributes: { [ATTR.httpMethod]: c.req.method, [ATTR.urlPath]: c.req.path } },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = routePattern(c);
      if (route !== UNMATCHED_ROUTE) {
        span.updateName(SPAN.httpRequest(c.req.method, route));
        span.setAttribute(ATTR.httpRoute, route);
      }
      const status = c.res.status;
      span.setAttribute(ATTR.httpStatusCode, status);
      // Semconv: only 5xx mark a SERVER span as failed; a 4xx is the client's error.
      if (status >= 500) {
        span.setAttribute(ATTR.errorType, String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    }
  };
}
