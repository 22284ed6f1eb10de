import type { MiddlewareHandler } from 'hono';
import { OPS_PATHS } from '../health/opsRoutes.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { routePattern } from '../../telemetry/httpMetrics.ts';
import { requestLogger } from '../../telemetry/logContext.ts';
import type { ApiEnv } from '../context.ts';

/**
 * Gives the request its logger (every line carries the correlation id, and the
 * trace and span ids through the logger's mixin) and writes ONE line when it ends:
 * method, route pattern, path, status, duration. Headers are never logged, so the
 * Authorization header cannot leak from here. Probe and scrape paths log at debug:
 * a kubelet probing every 5 s would otherwise be most of the log. Mount after
 * correlation().
 */
export function accessLog(log: Logger): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const reqLog = requestLogger(log, c.get('correlationId'));
    c.set('log', reqLog);
    const start = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const line = {
        method: c.req.method,
        route: routePattern(c),
        path: c.req.path,
        status,
        durationMs: Math.round((performance.now() - start) * 100) / 100,
      };
      if (OPS_PATHS.has(c.req.path)) reqLog.debug(line, 'request');
      else if (status >= 500) reqLog.error(line, 'request');
      else reqLog.info(line, 'request');
    }
  };
}
