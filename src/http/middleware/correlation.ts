import type { MiddlewareHandler } from 'hono';
import { uuidv7 } from '../../values/uuidv7.ts';
import type { ApiEnv } from '../context.ts';

// A caller's id is kept only if it is short and printable: it is stored on every
// event and echoed in headers, so it must not carry arbitrary bytes.
const CORRELATION_ID = /^[A-Za-z0-9._:\-]{1,128}$/;
// W3C trace context: version-traceid-parentid-flags, ids not all zero.
const TRACEPARENT = /^[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;

/** X-Correlation-Id taken or generated and returned; a valid traceparent kept for the events. */
export function correlation(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const given = c.req.header('x-correlation-id');
    const correlationId = given && CORRELATION_ID.test(given) ? given : uuidv7();
    const traceparent = c.req.header('traceparent')?.trim().toLowerCase();
    c.set('correlationId', correlationId);
    c.set('traceparent', traceparent && TRACEPARENT.test(traceparent) ? traceparent : null);
    c.header('X-Correlation-Id', correlationId);
    await next();
    c.res.headers.set('X-Correlation-Id', correlationId);
  };
}
