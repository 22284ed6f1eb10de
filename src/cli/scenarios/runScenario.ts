import type { ScenarioActual } from '../../reports/scenarioActual.ts';
import { compareBooks, type Difference } from './compareBooks.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import { isPeriodClose, type InvoiceOperation, type Scenario } from './scenarioFile.ts';

export type ScenarioOutcome = {
  id: string;
  actual: ScenarioActual;
  /** null when the file has no `expected`. */
  differences: Difference[] | null;
};

/**
 * Runs a scenario's operations in file order through a driver: consecutive invoice
 * events go as one import; a PeriodClosed waits for everything before it to be
 * applied, closes, and waits again. `actual` comes from the books alone; `expected`
 * is read only afterwards, to compare.
 */
export async function runScenario(scenario: Scenario, driver: ScenarioDriver): Promise<ScenarioOutcome> {
  let pending: InvoiceOperation[] = [];
  const flush = async () => {
    if (pending.length > 0) await driver.importEvents(pending);
    pending = [];
  };
  for (const op of scenario.operations) {
    if (isPeriodClose(op)) {
      await flush();
      await driver.waitUntilDrained();
      await driver.closePeriod(op.data.period);
      await driver.waitUntilDrained();
    } else {
      pending.push(op as InvoiceOperation);
    }
  }
  await flush();
  await driver.waitUntilDrained();
  const actual = await driver.getActual();
  return { id: scenario.id, actual, differences: scenario.expected ? compareBooks(scenario.expected, actual) : null };
}
