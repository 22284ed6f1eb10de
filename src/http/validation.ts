import type { ZodError } from 'zod';
import { ValidationError } from '../errors.ts';
import { zodIssues } from '../events/envelope.ts';
import { PreconditionRequiredError } from './httpErrors.ts';

/** zod-openapi's hook: every failed request schema becomes one 400 naming the fields. */
export function validationHook(result: { success: boolean; target: string; error?: ZodError }): void {
  if (!result.success && result.error) {
    const prefix = result.target === 'json' ? [] : [result.target];
    throw new ValidationError(`invalid request ${result.target === 'json' ? 'body' : result.target}`, zodIssues(result.error, prefix));
  }
}

/** Parses a schema that is not wired through a route's `request` (e.g. an optional DELETE body). */
export function parseOr400<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: ZodError } }, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError('invalid request body', zodIssues(r.error));
  return r.data;
}

const VERSION_TAG = /^(?:W\/)?"?(\d{1,9})"?$/;

/**
 * If-Match: "3", 3 or W/"3" → 3 (a weak tag is read as the version it names: the
 * version is the only validator). `*` → undefined: any current version (RFC 9110
 * 13.1.1; the resource exists or the command answers 404). Missing → 428 when
 * required, else undefined; unparsable → 400 naming If-Match.
 */
export function ifMatchVersion(header: string | undefined, required: boolean): number | undefined {
  if (header === undefined || header.trim() === '') {
    if (required) throw new PreconditionRequiredError();
    return undefined;
  }
  if (header.trim() === '*') return undefined;
  const m = VERSION_TAG.exec(header.trim());
  if (!m) throw new ValidationError('invalid If-Match', [{ field: 'If-Match', message: 'must be the resource version, e.g. "3"' }]);
  return Number(m[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}

/** Opaque list cursors: base64url of the last id seen. */
export function encodeCursor(id: string | null): string | null {
  return id === null ? null : Buffer.from(id, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(id)) throw new ValidationError('invalid cursor', [{ field: 'cursor', message: 'not a cursor this API returned' }]);
  return id;
}
