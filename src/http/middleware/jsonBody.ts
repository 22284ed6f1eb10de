import type { MiddlewareHandler } from 'hono';
import { ValidationError } from '../../errors.ts';
import type { ApiEnv } from '../context.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../httpErrors.ts';

// Our deepest legitimate body is 4 levels (invoice > lines > line > servicePeriod);
// 32 leaves room for clients' wrappers while refusing stack-hungry nesting early.
export const MAX_JSON_DEPTH = 32;
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
// One decoder for every body: decode() without { stream } keeps no state between calls.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and checks a write's JSON body once, before any handler: size (413),
 * media type (415), UTF-8 and JSON syntax, nesting depth and `__proto__` keys (400).
 * The parsed value is in c.var.body; Hono's validators read the same text.
 */
export function jsonBody(limitBytes: number): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(c.req.method)) return next();
    const declared = c.req.header('content-length');
    if (declared !== undefined && Number(declared) > limitBytes) throw new PayloadTooLargeError(limitBytes);
    // With a Content-Length the HTTP parser bounds the body, and arrayBuffer() has
    // @hono/node-server's fast path (no web stream); chunked bodies are counted as
    // they stream in.
    const bytes =
      declared !== undefined && !c.req.header('transfer-encoding')
        ? new Uint8Array(await c.req.raw.arrayBuffer())
        : await readLimited(c.req.raw.body, limitBytes);
    if (bytes.byteLength > limitBytes) throw new PayloadTooLargeError(limitBytes);
    let text: string;
    try {
      text = UTF8.decode(bytes);
    } catch (err) {
      throw new ValidationError('request body is not valid UTF-8', [{ field: '(body)', message: 'invalid UTF-8' }], { cause: err });
    }
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim();
    if (text.trim().length === 0) {
      // An empty body is fine for calls that take none (DELETE, period close); the
      // route's schema refuses it where a body is required.
      if (JSON_MEDIA_TYPE.test(mediaType) && c.req.method !== 'DELETE') {
        throw new ValidationError('request body is empty', [{ field: '(body)', message: 'expected a JSON document' }]);
      }
      c.set('body', undefined);
      cacheText(c.req, '');
      return next();
    }
    if (!JSON_MEDIA_TYPE.test(mediaType)) throw new UnsupportedMediaTypeError();
    const depth = jsonDepth(text);
    if (depth > MAX_JSON_DEPTH) {
      throw new ValidationError('request body is nested too deeply', [
        { field: '(body)', message: `nesting deeper than ${MAX_JSON_DEPTH} levels` },
      ]);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ValidationError('request body is not valid JSON', [{ field: '(body)', message: (err as Error).message }], { cause: err });
    }
    const proto = mayHoldProto(text) ? findForbiddenKey(value) : null;
    if (proto) throw new ValidationError('request body has a forbidden key', [{ field: proto.join('.'), message: '__proto__ is not allowed' }]);
    c.set('body', value);
    cacheText(c.req, text);
    await next();
  };
}

// Hono's validators read the body through this cache (it holds promises at runtime).
function cacheText(req: { bodyCache: object }, text: string): void {
  (req.bodyCache as Record<string, unknown>)['text'] = Promise.resolve(text);
}

async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/** Deepest [ / { nesting, ignoring brackets inside strings. Linear, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) max = Math.max(max, ++depth);
    else if (ch === 125 || ch === 93) depth--;
  }
  return max;
}

// A key is `__proto__` only if the text spells it, plainly or with a \u escape
// (JSON.parse decodes "\u005f_proto__" too): most bodies need no walk of the value.
function mayHoldProto(text: string): boolean {
  return text.includes('__proto__') || text.includes('\\u');
}

// JSON.parse makes `__proto__` an own key; spread or Object.assign downstream would
// then set a prototype. Refuse it at the edge (depth is already bounded).
function findForbiddenKey(value: unknown): (string | number)[] | null {
  if (value === null || typeof value !== 'object') return null;
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return ['__proto__'];
  for (const [k, v] of Object.entries(value)) {
    const found = findForbiddenKey(v);
    if (found) return [Array.isArray(value) ? Number(k) : k, ...found];
  }
  return null;
}

/** JSON with object keys sorted: the same document always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
