import { Command } from 'commander';
import { registerMigrateCommand } from './commands/migrateCommand.ts';
import { registerStartCommand } from './commands/startCommand.ts';
import { registerAnalyticsCommand } from './commands/analyticsCommand.ts';
import { registerApiCommand } from './commands/apiCommand.ts';
import { registerApiKeyCommand } from './commands/apiKeyCommand.ts';
import { registerRevenueCommand } from './commands/revenueCommand.ts';
import { registerScenariosCommand } from './commands/scenariosCommand.ts';
import { registerRelayCommand } from './commands/relayCommand.ts';
import { registerWorkerCommand } from './commands/workerCommand.ts';
import { registerReplayCommand } from './commands/replayCommand.ts';
import { registerRebuildCommand } from './commands/rebuildCommand.ts';
import { registerStatusCommand } from './commands/statusCommand.ts';
import { registerAuditCommand } from './commands/auditCommand.ts';
import { registerForwardCommand } from './commands/forwardCommand.ts';
import { registerExportCommand } from './commands/exportCommand.ts';
import { debugRequested } from '../config.ts';
import { describeError } from './describeError.ts';
import { SERVICE_VERSION } from '../values/serviceVersion.ts';

// One CLI for every process (DESIGN.md "Processes"). Each command lives in
// commands/ and registers itself here.
const program = new Command()
  .name('accrue')
  .description('Revenue books kept in step with invoices: API, relay, workers, ledger and operations.')
  .version(SERVICE_VERSION, '-V, --version', 'print the version of accrue')
  .option('--debug', "on failure, print the error's stack (also with LOG_LEVEL=debug)")
  .showHelpAfterError()
  // Usage errors come back as a CommanderError (exit 2 in describeError), not process.exit(1).
  .exitOverride();

registerStartCommand(program);
registerMigrateCommand(program);
registerAnalyticsCommand(program);
registerApiCommand(program);
registerApiKeyCommand(program);
registerRevenueCommand(program);
registerScenariosCommand(program);
registerRelayCommand(program);
registerWorkerCommand(program);
registerReplayCommand(program);
registerRebuildCommand(program);
registerStatusCommand(program);
registerAuditCommand(program);
registerForwardCommand(program);
registerExportCommand(program);

// One place turns a failure into one line on stderr and a non-zero exit code; the
// stack only on request. process.exit: a failed start may leave pools or servers open.
try {
  await program.parseAsync(process.argv);
} catch (err) {
  const failure = describeError(err);
  if (failure.message) process.stderr.write(`accrue: ${failure.message}\n`);
  if (failure.exitCode !== 0 && (program.opts<{ debug?: boolean }>().debug || debugRequested())) {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(failure.exitCode);
}
