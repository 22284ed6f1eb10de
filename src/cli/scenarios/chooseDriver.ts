import type { Config } from '../../config.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { createInProcessDriver } from './inProcessDriver.ts';
import { createPipelineDriver } from './pipelineDriver.ts';
import type { ScenarioDriver } from './scenarioDriver.ts';
import { createScratchDatabase } from './scratchDatabase.ts';

export type DriverKind = 'pipeline' | 'in-process';

/**
 * The one place that decides how `accrue scenarios run` reaches the books, each
 * scenario in its own fresh database. 'pipeline' (the default) is production's path:
 * HTTP POST /v1/events → outbox → relay → pg-boss → worker → ledger, books read over
 * HTTP; the clock is the real one. 'in-process' appends the events and calls the
 * revenue subscriber directly, with a clock you choose (--today).
 */
export async function createScenarioDriver(options: {
  kind: DriverKind;
  serverUrl: string;
  now: Date;
  log: Logger;
  config: Config;
}): Promise<ScenarioDriver> {
  const scratch = await createScratchDatabase(options.serverUrl);
  if (options.kind === 'in-process') {
    const driver = createInProcessDriver(scratch.db, { now: options.now, log: options.log });
    return { ...driver, close: () => scratch.drop() };
  }
  const driver = await createPipelineDriver({ databaseUrl: scratch.url, config: options.config, log: options.log });
  return {
    ...driver,
    async close() {
      await driver.close();
      await scratch.drop();
    },
  };
}
