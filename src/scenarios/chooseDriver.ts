import type { Logger } from '../lib/logger.ts';
import { createInProcessDriver } from './inProcessDriver.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import { createScratchDatabase } from './scratchDatabase.ts';

/**
 * The one place that decides how `accrue scenarios run` reaches the books. For now
 * the in-process driver (events appended, revenue subscriber called directly), each
 * scenario in its own fresh database; the production driver (HTTP POST /v1/events →
 * relay → pg-boss → worker) plugs in here.
 */
export async function createScenarioDriver(options: { serverUrl: string; now: Date; log: Logger }): Promise<ScenarioDriver> {
  const scratch = await createScratchDatabase(options.serverUrl);
  const driver = createInProcessDriver(scratch.db, { now: options.now, log: options.log });
  return { ...driver, close: () => scratch.drop() };
}
