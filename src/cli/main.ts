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

// One CLI for every process (DESIGN.md "Processes"). Each command lives in
// commands/ and registers itself here.
const program = new Command()
  .name('accrue')
  .description('Revenue books kept in step with invoices: API, relay, workers, ledger and operations.')
  .showHelpAfterError();

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

await program.parseAsync(process.argv);
