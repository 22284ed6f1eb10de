import type { Command } from 'commander';
import { createApiKey } from '../../auth/apiKeys.ts';
import { cliContext } from '../../audit/operatorContext.ts';
import { parseScopes, type Scope } from '../../auth/scopes.ts';
import { loadConfig } from '../../config.ts';
import { connect } from '../../db/connect.ts';
import { createLogger } from '../../lib/logger.ts';
import { prepareDatabase } from '../../runtime/prepareDatabase.ts';

export function registerApiKeyCommand(program: Command): void {
  const apiKey = program.command('api-key').description('manage API keys (only a hash of each token is stored)');
  apiKey
    .command('create')
    .description('create a key and print its token once')
    .requiredOption('--name <name>', 'who or what uses the key')
    .requiredOption('--scopes <list>', 'comma-separated: invoices:read, invoices:write, events:write, reports:read, admin')
    .action(async (options: { name: string; scopes: string }, command: Command) => {
      let scopes: Scope[] = [];
      try {
        scopes = parseScopes(options.scopes);
      } catch (err) {
        command.error(`error: ${(err as Error).message}`);
      }
      const config = loadConfig();
      const log = createLogger({ level: 'warn', pretty: config.ACCRUE_LOG_PRETTY });
      const database = await prepareDatabase(config, log);
      const handle = connect(database.url, { max: 1, applicationName: 'accrue-cli' });
      try {
        const key = await createApiKey(handle.db, { name: options.name, scopes }, cliContext());
        process.stdout.write(`${key.token}\n`);
        process.stderr.write(`key ${key.id} '${key.name}' with scopes ${key.scopes.join(',')}; the token above is shown only once\n`);
      } finally {
        await handle.close();
        await database.stop();
      }
    });
}
