import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACT_PATHS, redactSecretFields } from '../../src/telemetry/logger.ts';

function capture() {
  const lines: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

describe('secret fields in log lines (values never registered as secrets)', () => {
  it('are censored at the top of a line and one level down, in the line and in a child logger', () => {
    const { lines, log } = capture();
    const err = Object.assign(new Error('boom'), { secret: 'err-secret-value' });
    log
      .child({ key: { token: 'child-token-value', id: 'k1' }, apiToken: 'child-api-token' })
      .info({ db: { password: 'db-password-value', host: 'h' }, headers: { Authorization: 'Basic abc', accept: 'x' }, authorization: 'top', err }, 'm');
    const [line] = lines;
    expect(line!.key).toEqual({ token: '[redacted]', id: 'k1' });
    expect(line!.apiToken).toBe('[redacted]');
    expect(line!.db).toEqual({ password: '[redacted]', host: 'h' });
    expect(line!.headers).toEqual({ Authorization: '[redacted]', accept: 'x' });
    expect(line!.authorization).toBe('[redacted]');
    // The Error keeps what its serializer reads.
    expect(line!.err).toMatchObject({ type: 'Error', message: 'boom', secret: '[redacted]' });
    expect(line!.err.stack).toContain('boom');
    const text = JSON.stringify(lines);
    for (const v of ['child-token-value', 'child-api-token', 'db-password-value', 'Basic abc', 'err-secret-value']) expect(text).not.toContain(v);
  });

  it("leave the caller's objects as they were, and copy nothing when there is no secret", () => {
    const inner = { password: 'p', user: 'u' };
    const obj = { db: inner, n: 1 };
    const out = redactSecretFields(obj);
    expect(out).toEqual({ db: { password: '[redacted]', user: 'u' }, n: 1 });
    expect(obj.db).toBe(inner);
    expect(inner.password).toBe('p');
    const plain = { method: 'POST', route: '/v1/invoices', status: 201, nested: { a: 1 } };
    expect(redactSecretFields(plain)).toBe(plain);
  });

  it("are not pino wildcard paths: pino would run a redactor on every field of every line (~19 µs of an access line's ~24)", () => {
    expect(REDACT_PATHS.filter((p) => p.includes('*'))).toEqual([]);
  });
});
