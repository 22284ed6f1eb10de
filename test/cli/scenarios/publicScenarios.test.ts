import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDifferences } from '../../../src/cli/scenarios/compareBooks.ts';
import { createInProcessDriver } from '../../../src/cli/scenarios/inProcessDriver.ts';
import { runScenario } from '../../../src/cli/scenarios/runScenario.ts';
import { loadScenarios } from '../../../src/cli/scenarios/scenarioFile.ts';
import { createTestDatabase, type TestDatabase } from '../../helpers/testDatabase.ts';

// The public worked cases, through the same subscriber code the worker runs, on real
// Postgres. The clock is the day this was written: after every service period.
const SCENARIOS = path.resolve(import.meta.dirname, '../../../../shared/scenarios');
const NOW = new Date('2026-11-26T12:00:00Z');

const scenarios = await loadScenarios(SCENARIOS);

describe('public scenarios (in-process driver)', () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
  });

  it('finds the public scenarios', () => {
    expect(scenarios.map((s) => s.id)).toContain('S01-annual-365-usd-stripe-parity');
    expect(scenarios.length).toBeGreaterThanOrEqual(6);
  });

  for (const scenario of scenarios) {
    it(`${scenario.id} matches its expected books exactly`, async () => {
      t = await createTestDatabase();
      const outcome = await runScenario(scenario, createInProcessDriver(t.db, { now: NOW }));
      expect(outcome.differences, formatDifferences(outcome.differences ?? [])).toEqual([]);
    });

    it(`${scenario.id} delivered in reverse order with repeats gives the same books`, async () => {
      t = await createTestDatabase();
      const ops = [...scenario.operations].reverse();
      const shuffled = { ...scenario, operations: [...ops, ops[0]!, ...ops] };
      const outcome = await runScenario(shuffled, createInProcessDriver(t.db, { now: NOW }));
      expect(outcome.differences, formatDifferences(outcome.differences ?? [])).toEqual([]);
    });
  }
});
