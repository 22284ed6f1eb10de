import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ScenarioActual } from '../../reports/scenarioActual.ts';
import { startService, type RunningService } from '../../runtime/startService.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import type { InvoiceOperation } from './scenarioFile.ts';
import { refusalFromProblem } from './refusedOperation.ts';

/**
 * The production path, in one process: the scenario's operations are POSTed to
 * /v1/events (PeriodClosed to /v1/periods/{month}/close) of a real API server, then
 * relay → pg-boss queues → worker → revenue ledger run as `accrue start` runs them.
 * Drained = GET /v1/ops/status says so; the books are read through the HTTP reports.
 */
export async function createPipelineDriver(options: { databaseUrl: string; config: Config; log: Logger }): Promise<ScenarioDriver> {
  const token = `scn_${randomBytes(24).toString('hex')}`;
  const config: Config = { ...options.config, PORT: 0, HOST: '127.0.0.1', ACCRUE_BOOTSTRAP_TOKEN: token, DATABASE_URL: options.databaseUrl };
  const service: RunningService = await startService({
    config,
    log: options.log,
    database: { url: options.databaseUrl, embedded: false, stop: async () => {} },
    print: () => {},
  });
  const base = service.api.url.replace('localhost', '127.0.0.1');
  const call = async <T>(method: string, path: string, body?: unknown, op?: { eventId: string; type: string }): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    // A 4xx to an operation is the service refusing it: the runner reports it and goes on.
    if (op && res.status >= 400 && res.status < 500) throw refusalFromProblem(op, { status: res.status, ...problemOf(text) });
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const invoiceIds = new Set<string>();

  return {
    async importEvents(ops: readonly InvoiceOperation[]) {
      // One request per operation, in file order: the order a billing system would send them.
      for (const op of ops) {
        invoiceIds.add(op.invoiceId);
        await call('POST', '/v1/events', op, op);
      }
    },
    async closePeriod(period: string) {
      await call('POST', `/v1/periods/${period}/close`, undefined, { eventId: `PeriodClosed ${period}`, type: 'PeriodClosed' });
    },
    async waitUntilDrained() {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const status = await call<{ drained: boolean }>('GET', '/v1/ops/status');
        if (status.drained) return;
        if (Date.now() > deadline) throw new Error(`pipeline not drained after 120 s: ${JSON.stringify(status)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async getActual(): Promise<ScenarioActual> {
      const [monthsRes, revenueByMonth, closingBalances, netMovementByPeriod, revenueEvents, invoiceState] = await Promise.all([
        call<{ months: string[] }>('GET', '/v1/reports/months'),
        call<ScenarioActual['revenueByMonth']>('GET', '/v1/reports/revenue-by-month'),
        call<ScenarioActual['closingBalances']>('GET', '/v1/reports/closing-balances'),
        call<ScenarioActual['netMovementByPeriod']>('GET', '/v1/reports/net-movement'),
        call<ScenarioActual['revenueEvents']>('GET', '/v1/reports/revenue-events'),
        call<ScenarioActual['invoiceState']>('GET', '/v1/reports/invoice-state'),
      ]);
      return { months: monthsRes.months, revenueByMonth, closingBalances, netMovementByPeriod, revenueEvents, invoiceState };
    },
    close: () => service.close(),
  };
}

/** The problem+json body of a refusal, or its text as the detail. */
function problemOf(text: string): { detail?: string; errors?: { field: string; message: string }[] } {
  try {
    return JSON.parse(text) as { detail?: string; errors?: { field: string; message: string }[] };
  } catch {
    return { detail: text };
  }
}
