import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../../src/cli/scenarios/runScenario.ts';
import { readScenario } from '../../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../../..');
const T01 = path.join(ROOT, 'test/fixtures/scenarios/T01-late-payment-after-close.json');

describe('scenario runner', () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
  });

  it('runs PeriodClosed operations in file order and ignores a repeated eventId (T01, worked by hand)', async () => {
    t = await createTestDatabase();
    const outcome = await runScenario(await readScenario(T01), createInProcessDriver(t.db, { now: new Date('2026-11-26T00:00:00Z') }));
    expect(outcome.differences).toEqual([]);
  });

  it('closes a month only once it has ended by the driver clock: T01 run on 2019-01-15 stops at its close of 2019-01', async () => {
    t = await createTestDatabase();
    // The refused close is reported (the scenario fails naming it); the payment dated Jan 15 is today's, and posts.
    const early = await runScenario(await readScenario(T01), createInProcessDriver(t.db, { now: new Date('2019-01-15T12:00:00Z') }));
    expect(early.refused).toEqual([
      { eventId: 'PeriodClosed 2019-01', type: 'PeriodClosed', status: expect.any(Number), detail: expect.stringContaining('period 2019-01 has not ended yet: only months before 2019-01 can be closed') },
    ]);
    expect(await t.db.selectFrom('ledger_period_locks').selectAll().execute()).toEqual([]);
  });

  it('builds actual without reading expected', async () => {
    t = await createTestDatabase();
    const scenario = await readScenario(T01);
    const blind = await runScenario({ ...scenario, expected: undefined }, createInProcessDriver(t.db, { now: new Date('2026-11-26T00:00:00Z') }));
    expect(blind.differences).toBeNull();
    expect(blind.actual.revenueByMonth).toEqual(scenario.expected!.revenueByMonth);
  });

  it('`accrue scenarios run` prints a diff and exits 1 when the books differ', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-scn-'));
    const wrong = JSON.parse(await readFile(T01, 'utf8'));
    wrong.expected.revenueByMonth.USD['2019-02'] = 2700;
    await writeFile(path.join(dir, 'wrong.json'), JSON.stringify(wrong));
    const env = { ...process.env, DATABASE_URL: inject('adminUrl'), LOG_LEVEL: 'silent' };
    const node = path.join(ROOT, 'node_modules/.bin/node');
    const failed = await run(node, ['bin/accrue.js', 'scenarios', 'run', path.join(dir, 'wrong.json')], { cwd: ROOT, env }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stdout: string }).stdout).toContain('revenueByMonth.USD.2019-02\n    expected 2700\n    actual   2800');
    const ok = await run(node, ['bin/accrue.js', 'scenarios', 'run', T01, '--json'], { cwd: ROOT, env });
    const printed = JSON.parse(ok.stdout) as { id: string; matches: boolean; actual: { months: string[] } }[];
    expect(printed).toEqual([expect.objectContaining({ id: 'T01-late-payment-after-close', matches: true })]);
    expect(printed[0]!.actual.months).toEqual(['2019-01', '2019-02', '2019-03']);
  });
});
