import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBoss } from '../../src/bus/queues/startBoss.ts';
import { createInProcessDriver } from '../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../src/cli/scenarios/runScenario.ts';
import { readScenario } from '../../src/cli/scenarios/scenarioFile.ts';
import { operatorRoutes } from '../../src/http/routes/operatorRoutes.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { testSettings } from '../helpers/busTestKit.ts';
import { createTestApi, type TestApi } from '../helpers/testApi.ts';

// Every answer here is also held to /openapi.json by createTestApi (the report
// shapes, CSV as a second media type, ops status, archive and replay): this file
// calls the routes the other HTTP tests do not reach.
const S01 = path.resolve(import.meta.dirname, '../../../shared/scenarios/S01-annual-365-usd-stripe-parity.json');
const NOW = new Date('2019-07-01T08:00:00Z');

let api: TestApi;
let boss: PgBoss | undefined;
beforeAll(async () => {
  api = await createTestApi({ now: () => NOW }, {}, [
    operatorRoutes({ getBoss: async () => (boss ??= await startBoss(api.t.url, { role: 'client', settings: testSettings(), log: silentLogger, max: 2 })) }),
  ]);
  const s01 = await readScenario(S01);
  await runScenario(s01, createInProcessDriver(api.t.db, { now: NOW }));
  // The same plan in JPY from April: a second currency whose data starts later.
  const jpy = JSON.parse(
    JSON.stringify(s01).replaceAll('"USD"', '"JPY"').replaceAll('_s01', '_jpy').replaceAll('"e1"', '"j1"').replaceAll('"e2"', '"j2"')
      .replaceAll('2019-01-01', '2019-04-01').replaceAll('2020-01-01', '2020-04-01'),
  ) as typeof s01;
  await runScenario(jpy, createInProcessDriver(api.t.db, { now: NOW }));
});
afterAll(async () => {
  await boss?.stop({ graceful: false });
  await api.drop();
});

describe('the answers /openapi.json promises', () => {
  it('every report as JSON and as CSV', async () => {
    for (const report of ['revenue-by-month', 'closing-balances', 'net-movement', 'revenue-events', 'trial-balance', 'waterfall']) {
      const json = await api.call('GET', `/v1/reports/${report}?currency=USD`);
      expect(json.status, report).toBe(200);
      expect(Object.keys(json.body), report).toEqual(['USD']);
      const csv = await api.call('GET', `/v1/reports/${report}`, { headers: { accept: 'text/csv' } });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    }
    const revenue = await api.call('GET', '/v1/reports/revenue-by-month?currency=USD&from=2019-02&to=2019-03');
    expect(revenue.body).toEqual({ USD: { '2019-02': 2800, '2019-03': 3100 } });
    expect((await api.call('GET', '/v1/reports/months')).body.months).toHaveLength(6);
    const state = await api.call('GET', '/v1/reports/invoice-state');
    const [invoiceId] = Object.keys(state.body);
    const book = await api.call('GET', `/v1/invoices/${invoiceId}/book`);
    expect(book.body.entries.length).toBeGreaterThan(0);
  });

  it("a report's months default to the data of the currency asked for", async () => {
    const months = async (query: string) => (await api.call('GET', `/v1/reports/months${query}`)).body.months;
    expect(await months('?currency=JPY')).toEqual(['2019-04', '2019-05', '2019-06']);
    expect(await months('?currency=USD')).toHaveLength(6);
    expect(await months('')).toHaveLength(6);
    expect(Object.keys((await api.call('GET', '/v1/reports/revenue-by-month?currency=JPY')).body.JPY)).toEqual(['2019-04', '2019-05', '2019-06']);
    expect(await months('?currency=JPY&from=2019-03&to=2019-04')).toEqual(['2019-03', '2019-04']);
  });

  it('ops status, the archive and a dry-run replay', async () => {
    const status = await api.call('GET', '/v1/ops/status');
    expect(status.status).toBe(200);
    expect(typeof status.body.drained).toBe('boolean');
    expect((await api.call('GET', '/v1/archive?limit=5')).body).toEqual({ items: [], total: 0 });
    const replay = await api.call('POST', '/v1/archive/replay', { body: { dryRun: true } });
    expect(replay.body).toEqual({ matched: 0, replayed: 0, dryRun: true });
  });
});
