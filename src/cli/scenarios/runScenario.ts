import type { ScenarioActual } from '../../reports/scenarioActual.ts';
import { compareBooks, type Difference } from './compareBooks.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import { OperationRefusedError, type RefusedOperation } from './refusedOperation.ts';
import { isPeriodClose, type Scenario } from './scenarioFile.ts';

export type ScenarioOutcome = {
  id: string;
  actual: ScenarioActual;
  /** null when the file has no `expected`. */
  differences: Difference[] | null;
  /** Operations the service refused (nothing of them written): the scenario fails naming them. */
  refused: RefusedOperation[];
};

/**
 * Runs a scenario's operations in file order through a driver, one at a time: a
 * PeriodClosed waits for everything before it to be applied, closes, and waits
 * again. An operation the service refuses is recorded in `refused` and the run goes
 * on, as a billing system's next request would. `actual` comes from the books alone;
 * `expected` is read only afterwards, to compare.
 */
export async function runScenario(scenario: Scenario, driver: ScenarioDriver): Promise<ScenarioOutcome> {
  const refused: RefusedOperation[] = [];
  const attempt = async (run: () => Promise<void>) => {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof OperationRefusedError)) throw err;
      refused.push(err.refused);
    }
  };
  for (const op of scenario.operations) {
    if (isPeriodClose(op)) {
      await driver.waitUntilDrained();
      await attempt(() => driver.closePeriod(op.data.period));
      await driver.waitUntilDrained();
    } else {
      await attempt(() => driver.importEvents([op]));
    }
  }
  await driver.waitUntilDrained();
  const actual = await driver.getActual();
  return { id: scenario.id, actual, differences: scenario.expected ? compareBooks(scenario.expected, actual) : null, refused };
}
