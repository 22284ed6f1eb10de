import { sql } from 'kysely';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { ATTR } from '../../src/telemetry/names.ts';
import { initTracing } from '../../src/telemetry/tracing.ts';
import { freePort } from '../helpers/freePort.ts';
import { startHttpEndpoint } from '../helpers/httpEndpoint.ts';
import { formatTraceTree, startOtlpReceiver, type ReceivedSpan } from '../helpers/otlpReceiver.ts';
import { createCustomer, createTestApi, invoiceBody, type TestApi } from '../helpers/testApi.ts';
import { waitFor } from '../helpers/accrueProcess.ts';

/**
 * Issue 5, "the trace across processes": the API in this process (in-memory
 * exporter), `accrue relay` and `accrue worker` as real child processes exporting
 * over OTLP/HTTP to a receiver on loopback (the production path), their /metrics
 * and /readyz served by their ops servers, their JSON logs read from stdout.
 * The notification webhook channel points at an endpoint answering 503, so the
 * reminder's notification job fails, is retried once (ACCRUE_QUEUE_RETRY_LIMIT=1) and
 * lands in the archive. (Webhook endpoints keep their own attempt log instead of
 * failing jobs: test/subscribers/webhooks.)
 * Costs: one test database, two child processes (~2 s each to start).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const CORRELATION = 'corr-xproc-1';

type Child = { proc: ChildProcess; port: number; stdout: string[] };

function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => {
    if (!l.startsWith(`${name}{`) && !l.startsWith(`${name} `)) return false;
    const labelText = l.startsWith(`${name}{`) ? l.slice(name.length + 1, l.indexOf('}')) : '';
    const have = labelText ? labelText.split(',') : [];
    return wanted.every((w) => have.includes(w)) && have.length === wanted.length;
  });
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}


const get = async (url: string) => {
  try {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: '' };
  }
};

describe('one invoice, one trace: API → relay process → worker process → ledger', () => {
  const apiSpans = new InMemorySpanExporter();
  let stopTracing: () => Promise<void>;
  let api: TestApi;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let hook: Awaited<ReturnType<typeof startHttpEndpoint>>;
  let dataDir: string;
  const children: Child[] = [];

  async function startChild(command: 'relay' | 'worker', extraEnv: NodeJS.ProcessEnv = {}): Promise<Child> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.OTEL_SERVICE_NAME;
    Object.assign(env, {
      DATABASE_URL: api.t.url,
      ACCRUE_OPS_PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ACCRUE_LOG_PRETTY: 'false',
      ACCRUE_DATA_DIR: dataDir,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // The SDK's own setting: export every 100 ms instead of 5 s, so the test need not wait.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ACCRUE_NOTIFY_CHANNEL: 'webhook',
      ACCRUE_NOTIFY_WEBHOOK_URL: hook.url,
      ACCRUE_NOTIFY_WEBHOOK_SECRET: 'webhook-secret-0123456789',
      ACCRUE_QUEUE_RETRY_LIMIT: '1',
      ACCRUE_QUEUE_RETRY_DELAY_SECONDS: '0',
      ACCRUE_WORKER_POLL_SECONDS: '0.5',
      ACCRUE_BREAKER_FAILURES: '2',
      ...extraEnv,
    });
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/accrue.js'), command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const child: Child = { proc, port, stdout: [] };
    let partial = '';
    proc.stdout!.on('data', (c: Buffer) => {
      const text = partial + c.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      child.stdout.push(...lines.filter((l) => l.trim().length > 0));
    });
    const stderr: string[] = [];
    proc.stderr!.on('data', (c: Buffer) => stderr.push(c.toString('utf8')));
    children.push(child);
    await waitFor(`accrue ${command} /readyz`, async () => {
      if (proc.exitCode !== null) throw new Error(`accrue ${command} exited ${proc.exitCode}: ${stderr.join('')}${child.stdout.slice(-5).join('\n')}`);
      return (await get(`http://127.0.0.1:${port}/readyz`)).status === 200 || undefined;
    });
    return child;
  }

  const stopChild = (child: Child) =>
    new Promise<void>((resolve) => {
      if (child.proc.exitCode !== null) return resolve();
      child.proc.once('exit', () => resolve());
      child.proc.kill('SIGTERM');
    });

  /** POST /v1/invoices with the test's correlation id: the API's transaction span, its trace and the InvoiceCreated event. */
  async function createInvoice() {
    const customerId = await createCustomer(api);
    apiSpans.reset();
    const res = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId), headers: { 'x-correlation-id': CORRELATION } });
    expect(res.status).toBe(201);
    const invoiceId = res.body.id as string;
    const tx = apiSpans.getFinishedSpans().find((s) => s.name === 'transaction invoice.create')!;
    const event = await api.t.db
      .selectFrom('events').select(['event_id', 'position', 'traceparent']).where('aggregate_id', '=', invoiceId).where('type', '=', 'InvoiceCreated')
      .executeTakeFirstOrThrow();
    return { invoiceId, tx, traceId: tx.spanContext().traceId, event };
  }

  beforeAll(async () => {
    stopTracing = initTracing({ serviceName: 'accrue-api', exporter: apiSpans });
    api = await createTestApi({ log: silentLogger });
    receiver = await startOtlpReceiver();
    hook = await startHttpEndpoint(() => 503);
    dataDir = mkdtempSync(path.join(tmpdir(), 'accrue-xproc-'));
  });
  afterAll(async () => {
    await Promise.all(children.map(stopChild));
    await receiver?.close();
    await hook?.close();
    await api?.drop();
    await stopTracing?.();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('traces, meters and logs one invoice across the three processes', async () => {
    // The job path: this relay only moves events (the next test has it apply them).
    const [relay, worker] = await Promise.all([startChild('relay', { ACCRUE_RELAY_APPLY_MAX_EVENTS: '0' }), startChild('worker')]);
    const before = (await get(`http://127.0.0.1:${worker.port}/metrics`)).text;
    expect(metric(before, 'accrue_event_processing_seconds_count', { subscriber: 'revenue' })).toBe(0);

    const { invoiceId, tx, traceId, event } = await createInvoice();
    expect(event.traceparent).toBe(`00-${traceId}-${tx.spanContext().spanId}-01`);

    // A reminder (its own request, its own trace): its notification goes to the 503 endpoint.
    expect((await api.call('POST', `/v1/invoices/${invoiceId}/reminders`, { body: { channel: 'email' }, headers: { 'x-correlation-id': CORRELATION } })).status).toBe(200);
    const reminderTx = apiSpans.getFinishedSpans().find((s) => s.name.startsWith('transaction ') && s.spanContext().traceId !== traceId)!;
    const reminderTraceId = reminderTx.spanContext().traceId;

    // The worker's spans arrive over OTLP: the ledger write, and the notification's two failed attempts.
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor('worker spans', () => {
      const ledger = inTrace().some((s) => s.name === 'INSERT ledger_entries');
      const notifyAttempts = receiver.spans.filter((s) => s.traceId === reminderTraceId && s.name === 'process notifications').length;
      return (ledger && notifyAttempts >= 2) || undefined;
    });
    await waitFor('the notification job in the archive', async () =>
      Number((await api.t.db.selectFrom('failed_job_archive').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n) > 0 || undefined,
    );

    // (a) One trace: worker spans descend from the transaction span that wrote the event.
    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (s: ReceivedSpan): string[] => {
      const chain: string[] = [];
      for (let p = s.parentSpanId; p; p = byId.get(p)?.parentSpanId) chain.push(p);
      return chain;
    };
    const txId = tx.spanContext().spanId;
    const processRevenue = spans.find((s) => s.name === 'process revenue')!;
    const handleRevenue = spans.find((s) => s.name === 'handle revenue')!;
    const ledgerWrite = spans.find((s) => s.name === 'INSERT ledger_entries')!;
    expect(processRevenue).toMatchObject({ service: 'accrue-worker', kind: 5, parentSpanId: txId });
    expect(processRevenue.attributes).toMatchObject({
      [ATTR.invoiceId]: invoiceId,
      [ATTR.eventId]: event.event_id,
      [ATTR.correlationId]: CORRELATION,
      [ATTR.subscriber]: 'revenue',
      [ATTR.jobAttempt]: 1,
      [ATTR.jobOutcome]: 'handled',
      'messaging.destination.name': 'revenue',
    });
    expect(handleRevenue.parentSpanId).toBe(processRevenue.spanId);
    expect(handleRevenue.attributes[ATTR.eventId]).toBe(event.event_id);
    expect(ledgerWrite).toMatchObject({ service: 'accrue-worker', kind: 3, parentSpanId: handleRevenue.spanId });
    expect(ledgerWrite.attributes).toMatchObject({ [ATTR.invoiceId]: invoiceId, [ATTR.eventId]: event.event_id, 'db.collection.name': 'ledger_entries' });
    expect(Number(ledgerWrite.attributes[ATTR.ledgerEntryCount])).toBeGreaterThan(0);
    for (const s of [processRevenue, handleRevenue, ledgerWrite]) expect(ancestors(s)).toContain(txId);

    // Both notification attempts are children of the reminder's transaction span: retried, then archived.
    const notifyAttempts = receiver.spans
      .filter((s) => s.traceId === reminderTraceId && s.name === 'process notifications')
      .sort((a, b) => Number(a.attributes[ATTR.jobAttempt]) - Number(b.attributes[ATTR.jobAttempt]));
    expect(notifyAttempts.map((s) => [s.parentSpanId, s.attributes[ATTR.jobAttempt], s.attributes[ATTR.jobOutcome], s.statusCode])).toEqual([
      [reminderTx.spanContext().spanId, 1, 'retry', 2],
      [reminderTx.spanContext().spanId, 2, 'archived', 2],
    ]);
    // pg-boss's own telemetry is off (startBoss): no second, unrelated trace per job.
    // Every worker `process` span continues a request's trace (the invoice's, the
    // reminder's): none is a root of its own.
    expect(receiver.spans.filter((s) => s.service === 'accrue-worker' && s.name.startsWith('process') && !s.parentSpanId)).toEqual([]);
    const processed = receiver.spans.filter((s) => s.service === 'accrue-worker' && s.traceId === traceId && s.name.startsWith('process')).map((s) => s.name);
    // No webhook endpoint is registered, so no webhooks job is made for it. (Analytics'
    // spans may still be on their way: only what must not be there is checked.)
    expect(processed).toContain('process revenue');
    expect(processed).not.toContain('process webhooks');
    // The relay exported its non-empty batch (a root span of its own: many traces per batch).
    expect(receiver.spans.some((s) => s.service === 'accrue-relay' && s.name === 'send accrue.outbox' && Number(s.attributes['messaging.batch.message_count']) >= 1)).toBe(true);

    const toTree = (s: ReadableSpan) => ({
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId,
      name: s.name,
      service: 'accrue-api',
      startNanos: BigInt(s.startTime[0]) * 1_000_000_000n + BigInt(s.startTime[1]),
    });
    const noteOf = (s: ReceivedSpan) => (s.attributes[ATTR.jobAttempt] !== undefined ? `attempt ${s.attributes[ATTR.jobAttempt]} → ${s.attributes[ATTR.jobOutcome]}` : undefined);
    const tree = formatTraceTree([...apiSpans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId).map(toTree), ...spans.map((s) => ({ ...s, note: noteOf(s) }))]);
    console.log(`trace ${traceId}\n${tree}`);
    expect(tree.split('\n')[0]).toMatch(/^POST \/v1\/invoices/);

    // (b) The worker's and relay's /metrics moved.
    const after = await waitFor('archive growth on /metrics', async () => {
      const text = (await get(`http://127.0.0.1:${worker.port}/metrics`)).text;
      return metric(text, 'accrue_failed_job_archive_jobs') >= 1 ? text : undefined;
    });
    expect(metric(after, 'accrue_event_processing_seconds_count', { subscriber: 'revenue' })).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'accrue_handler_duration_seconds_count', { subscriber: 'revenue', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(metric(after, 'accrue_handler_duration_seconds_count', { subscriber: 'notifications', outcome: 'error' })).toBe(2);
    expect(metric(after, 'accrue_job_retries_total', { queue: 'notifications', subscriber: 'notifications' })).toBe(1);
    expect(metric(after, 'accrue_failed_job_archived_total', { queue: 'notifications', subscriber: 'notifications' })).toBe(1);
    // Two failures opened the shared breaker; every process reads it from the database.
    expect(metric(after, 'accrue_breaker_state', { subscriber: 'notifications-webhook' })).toBe(2);
    expect(metric(after, 'accrue_queue_jobs', { queue: 'revenue', state: 'created' })).toBe(0);
    const relayMetrics = (await get(`http://127.0.0.1:${relay.port}/metrics`)).text;
    expect(metric(relayMetrics, 'accrue_relay_batch_events_count')).toBeGreaterThanOrEqual(1);
    expect(metric(relayMetrics, 'accrue_relay_batch_events_sum')).toBeGreaterThanOrEqual(1);
    // Lag is read from the outbox on scrape (the revenue events the worker wrote may still be in it).
    expect(relayMetrics).toMatch(/^accrue_relay_lag_seconds \d/m);

    // (c) The revenue handler's log line carries the trace, its span, and the event's ids.
    const posted = await loggedLine(worker.stdout, (l) => l.msg === 'revenue posted' && l.invoiceId === invoiceId && l.eventId === event.event_id);
    expect(posted).toMatchObject({
      trace_id: traceId,
      span_id: handleRevenue.spanId,
      correlationId: CORRELATION,
      eventId: event.event_id,
      subscriber: 'revenue',
      queue: 'revenue',
    });
  });
  it('continues the trace in the relay process when the relay applies a lone event itself (ACCRUE_RELAY_APPLY_MAX_EVENTS)', async () => {
    // The first test's relay moves only; this one applies revenue in its claim transaction.
    await Promise.all(children.filter((c) => c.proc.spawnargs.includes('relay')).map(stopChild));
    const relay = await startChild('relay');
    const { tx, traceId, event } = await createInvoice();
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    // The attempt span ends after the commit, so it may come in a later export than the ledger write's.
    await waitFor('relay spans', () => (inTrace().some((s) => s.name === 'INSERT ledger_entries') && inTrace().some((s) => s.name === 'process revenue')) || undefined);
    const spans = inTrace();
    const processRevenue = spans.find((s) => s.name === 'process revenue')!;
    const handleRevenue = spans.find((s) => s.name === 'handle revenue')!;
    const ledgerWrite = spans.find((s) => s.name === 'INSERT ledger_entries')!;
    // Same shape as the worker's, from the relay process, under the API's transaction span.
    expect(processRevenue).toMatchObject({ service: 'accrue-relay', kind: 5, parentSpanId: tx.spanContext().spanId });
    expect(processRevenue.attributes).toMatchObject({ [ATTR.eventId]: event.event_id, [ATTR.jobAttempt]: 1, [ATTR.jobOutcome]: 'handled', 'messaging.destination.name': 'revenue' });
    expect(handleRevenue.parentSpanId).toBe(processRevenue.spanId);
    expect(ledgerWrite).toMatchObject({ service: 'accrue-relay', parentSpanId: handleRevenue.spanId });
    // No revenue job was made for it.
    const jobs = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'revenue' AND data->>'eventId' = ${event.event_id}`.execute(api.t.db);
    expect(jobs.rows[0]!.n).toBe(0);
    const relayMetrics = await waitFor('revenue handled on the relay /metrics', async () => {
      const text = (await get(`http://127.0.0.1:${relay.port}/metrics`)).text;
      return metric(text, 'accrue_event_processing_seconds_count', { subscriber: 'revenue' }) >= 1 ? text : undefined;
    });
    expect(metric(relayMetrics, 'accrue_handler_duration_seconds_count', { subscriber: 'revenue', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    const posted = await loggedLine(relay.stdout, (l) => l.msg === 'revenue posted' && l.eventId === event.event_id);
    expect(posted).toMatchObject({ trace_id: traceId, span_id: handleRevenue.spanId, correlationId: CORRELATION, subscriber: 'revenue', jobId: `relay:${event.position}` });
  });
});

/** The first JSON log line matching, waited for: the logger writes asynchronously, so a line may reach stdout after the spans and metrics. */
function loggedLine(stdout: readonly string[], match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return waitFor('a log line', () =>
    stdout
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      })
      .find(match),
  );
}
