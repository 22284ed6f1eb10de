// One bus process for the bench, as production runs them (`accrue relay`, `accrue
// worker`): `node bench/lib/busProcess.ts relay|worker <url>`, with the revenue
// subscriber (BENCH_SUBSCRIBERS=all: the service's default set from
// buildSubscriberRegistry, i.e. revenue, notifications and analytics) and the bus
// settings of src/config.ts (defaults unless the environment sets ACCRUE_*). A process of its own, so the worker's RSS is the worker's alone
// and the bench's event loop does not share a core with it.
//
// It counts every statement it sends (each pg query() is one round trip), by kind,
// and prints them as JSON on SIGTERM after stopping: the evidence for "round trips
// per event" and "events per transaction" in docs/performance.md. Counting is an
// increment and a short string key per query.
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { busSettings } from '../../src/bus/queues/busSettings.ts';
import { startRelay } from '../../src/bus/relay/startRelay.ts';
import { revenueSubscriber } from '../../src/subscribers/revenue/index.ts';
import { buildSubscriberRegistry } from '../../src/runtime/registeredSubscribers.ts';
import { startWorker } from '../../src/bus/worker/startWorker.ts';
import { relayApplier } from '../../src/bus/worker/applyInRelay.ts';
import { initTelemetry } from '../../src/telemetry/initTelemetry.ts';
import { SERVICE_NAMES } from '../../src/telemetry/names.ts';

const [role, url] = process.argv.slice(2);
if ((role !== 'relay' && role !== 'worker') || !url) throw new Error('usage: busProcess.ts relay|worker <url>');

// kind -> [statements, total ms from send to result (promise form only)]
const counts = new Map<string, [number, number]>();
const original = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0];
  const text = typeof first === 'string' ? first : typeof first === 'object' && first && 'text' in first ? String(first.text) : '?';
  const kind = statementKind(text);
  const entry = counts.get(kind) ?? [0, 0];
  counts.set(kind, entry);
  entry[0]++;
  const started = performance.now();
  const result = (original as (...a: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) void result.finally(() => (entry[1] += performance.now() - started)).catch(() => {});
  return result;
} as typeof original;

// Statements are parameterised, so a few dozen texts: label each once.
const kinds = new Map<string, string>();
function statementKind(text: string): string {
  let kind = kinds.get(text);
  if (kind === undefined) kinds.set(text, (kind = label(text)));
  return kind;
}

/** A short, stable label for a statement: its verb and the first table it names. */
function label(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (/^begin/i.test(t) && t.length < 20) return 'BEGIN';
  if (/^(commit|rollback)/i.test(t)) return t.toUpperCase();
  if (/^begin;/i.test(t)) return `BEGIN; … ${/\b(?:from|into)\s+([\w.]+)/i.exec(t)?.[1] ?? ''} (one round trip)`;
  const verb = /^(with|select|insert|update|delete|savepoint|release|listen|set)/i.exec(t)?.[1]?.toLowerCase() ?? t.slice(0, 12);
  const table = /\b(?:from|into|update)\s+("?[\w.]+"?(?:\."?\w+"?)?)/i.exec(t)?.[1]?.replace(/"/g, '') ?? '';
  return `${verb} ${table}`.trim();
}

const config = loadConfig();
// Tracing as `accrue relay` / `accrue worker` run it (initBusTracing): the SDK records
// every span (export only with OTEL_EXPORTER_OTLP_ENDPOINT). Without it the spans were
// the API's no-op ones and the figures a floor for a deployment (docs/performance.md).
const stopTelemetry = initTelemetry({ serviceName: SERVICE_NAMES[role], endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const registry = process.env.BENCH_SUBSCRIBERS === 'all' ? buildSubscriberRegistry(config, url) : undefined;
const subscribers = registry?.subscribers ?? [revenueSubscriber];
const settings = busSettings(config);
const handle = role === 'relay'
  ? await startRelay({ url, subscribers, settings, log: silentLogger, applier: relayApplier(subscribers, { settings, log: silentLogger }) })
  : await startWorker({ url, subscribers, settings, log: silentLogger });
// Counts from here on: startup (migrations, pg-boss schema checks) is not per-event work.
counts.clear();
process.stdout.write(`${JSON.stringify({ ready: true, settings, subscribers: subscribers.map((s) => s.name) })}\n`);
// A bench killed mid-run (Ctrl-C, kill) sends no SIGTERM: without this its relay and
// worker would poll a dead database for ever on a machine others share. The parent's
// death shows as a new ppid (re-parented to init).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 1_000).unref();

process.once('SIGTERM', () => {
  void handle.stop().then(async () => {
    await registry?.close();
    await stopTelemetry();
    const queries = Object.fromEntries([...counts].sort((a, b) => b[1][0] - a[1][0]).map(([k, [n, ms]]) => [k, { n, ms: Math.round(ms) }]));
    process.stdout.write(`${JSON.stringify({ queries })}\n`, () => process.exit(0));
  });
});
