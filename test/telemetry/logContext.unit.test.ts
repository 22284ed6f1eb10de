import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, registerSecret } from '../../src/telemetry/logger.ts';
import { eventLogger, requestLogger } from '../../src/telemetry/logContext.ts';
import { initTracing, withSpan } from '../../src/telemetry/tracing.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

const BOOTSTRAP = 'bootstrap-secret-0123456789abcdef';
const API_TOKEN = 'acc_live_5f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e';

describe('log lines', () => {
  let shutdown: () => Promise<void>;
  beforeAll(() => {
    shutdown = initTracing({ serviceName: 'accrue-test', exporter: new InMemorySpanExporter() });
  });
  afterAll(async () => {
    await shutdown();
  });

  it('carry trace id, span id, correlation id, event id and subscriber where they apply', async () => {
    const { lines, log } = capture();
    const span = await withSpan('process revenue', {}, async (s) => {
      const event = { eventId: '0190f0a0-0000-7000-8000-000000000001', type: 'InvoiceCreated', correlationId: 'corr-7', aggregateType: 'invoice', aggregateId: 'inv_7' };
      eventLogger(log, event, { subscriber: 'revenue', queue: 'revenue', jobId: 'job-1' }).info('handled');
      return s.spanContext();
    });
    requestLogger(log, 'corr-8').info('outside any span');
    const [inSpan, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inSpan).toMatchObject({
      trace_id: span.traceId, span_id: span.spanId, correlationId: 'corr-7',
      eventId: '0190f0a0-0000-7000-8000-000000000001', subscriber: 'revenue', queue: 'revenue', jobId: 'job-1', invoiceId: 'inv_7',
    });
    expect(outside).toMatchObject({ correlationId: 'corr-8' });
    expect(outside).not.toHaveProperty('trace_id');
  });

  it('never contain a token, an Authorization header or the bootstrap token', () => {
    registerSecret(BOOTSTRAP);
    const { lines, log } = capture();
    const req = { method: 'POST', url: '/v1/invoices', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' } };
    log.info({ req }, 'request');
    log.info({ headers: { Authorization: `Bearer ${BOOTSTRAP}` } }, 'raw headers');
    log.info({ authorization: `Bearer ${API_TOKEN}` }, 'field');
    log.info({ token: API_TOKEN, key: { token: API_TOKEN } }, 'key created');
    log.info({ config: { ACCRUE_BOOTSTRAP_TOKEN: BOOTSTRAP, PORT: 3000 } }, 'config');
    log.warn(`rejected header Authorization: Bearer ${API_TOKEN}`);
    log.warn(`rejected header authorization: bearer ${BOOTSTRAP}`);
    log.error({ err: new Error(`token ${BOOTSTRAP} is not valid for "quoted"`) }, 'auth failed');
    log.debug({ body: { note: `customer pasted ${BOOTSTRAP}` } }, 'body');

    expect(lines).toHaveLength(9);
    for (const line of lines) {
      expect(line).not.toContain(API_TOKEN);
      expect(line).not.toContain(BOOTSTRAP);
      expect(line).not.toMatch(/bearer\s+(?!\[redacted\])/i);
      JSON.parse(line); // still valid JSON after scrubbing
    }
    expect(lines.join('\n')).toContain('[redacted]');
    // Non-secret fields survive.
    expect(JSON.parse(lines[0]!).req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(lines[4]!).config.PORT).toBe(3000);
  });
});
