import type { Command } from 'commander';
import { createApiKey } from '../../auth/apiKeys.ts';
import { formatApiKeys } from '../../auth/formatApiKeys.ts';
import { resolveExpiry } from '../../auth/keyExpiry.ts';
import { listApiKeys } from '../../auth/listApiKeys.ts';
import { revokeApiKey } from '../../auth/revokeApiKey.ts';
import { cliContext } from '../../reports/audit/operatorContext.ts';
import { parseScopes, type Scope } from '../../auth/scopes.ts';
import { loadConfig } from '../../config.ts';
import { connect, type Db } from '../../db/connect.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { prepareDatabase } from '../../runtime/prepareDatabase.ts';
import { exitWithError } from './exitWithError.ts';
import { announceDatabase } from './busRuntime.ts';

// Field names of resolveExpiry's errors → the flags the user typed.
const FLAGS: Record<string, string> = { expiresIn: '--expires-in', expiresAt: '--expires-at' };

export function registerApiKeyCommand(program: Command): void {
  const apiKey = program.command('api-key').description('manage API keys (only a hash of each token is stored); docs/api-keys.md');
  apiKey
    .command('create')
    .description('create a key and print its token once')
    .requiredOption('--name <name>', 'who or what uses the key')
    .requiredOption('--scopes <list>', 'comma-separated: invoices:read, invoices:write, events:read, events:write, reports:read, admin')
    .option('--expires-in <duration>', 'the key stops working after e.g. 90m, 12h, 30d, 8w')
    .option('--expires-at <date>', 'the key stops working at this ISO 8601 datetime with offset, or at 00:00 UTC of a day YYYY-MM-DD')
    .action(async (options: { name: string; scopes: string; expiresIn?: string; expiresAt?: string }) => {
      let scopes: Scope[] = [];
      let expiresAt: Date | null = null;
      try {
        scopes = parseScopes(options.scopes);
        expiresAt = resolveExpiry({ expiresIn: options.expiresIn, expiresAt: options.expiresAt }, new Date());
      } catch (err) {
        exitWithError(userMessage(err), 'usage');
      }
      const key = await withKeysDatabase((db) => createApiKey(db, { name: options.name, scopes, expiresAt }, cliContext()));
      process.stdout.write(`${key.token}\n`);
      const expiry = key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : '';
      process.stderr.write(`key ${key.id} '${key.name}' with scopes ${key.scopes.join(',')}${expiry}; the token above is shown only once\n`);
    });
  apiKey
    .command('list')
    .description('every key: id, name, scopes, status, created, last used, revoked, expires (never a token)')
    .option('--json', 'the same as GET /v1/api-keys: {"items": [...]} on stdout')
    .action(async (options: { json?: boolean }) => {
      const keys = await withKeysDatabase((db) => listApiKeys(db, new Date()));
      process.stdout.write(options.json ? `${JSON.stringify({ items: keys })}\n` : formatApiKeys(keys));
    });
  apiKey
    .command('revoke <id>')
    .description('revoke a key: its next request gets 401 (the bootstrap token is a setting, not a key: change ACCRUE_BOOTSTRAP_TOKEN instead)')
    .action(async (id: string) => {
      const { key, alreadyRevoked } = await withKeysDatabase((db) =>
        db.transaction().execute((tx) => revokeApiKey(tx, id, cliContext(), new Date())),
      );
      process.stdout.write(`key ${key.id} '${key.name}' ${alreadyRevoked ? 'was already' : 'is now'} revoked (since ${key.revokedAt})\n`);
    });
}

/**
 * Opens the database the other commands use, runs `fn`, closes it; a user's mistake
 * (unknown id, bootstrap) ends the command with one line and exit code 1 (2 for a bad value), after the
 * database is closed (an embedded one must be stopped before the process exits).
 */
async function withKeysDatabase<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const log = createLogger({ level: 'warn', pretty: config.ACCRUE_LOG_PRETTY });
  const database = await prepareDatabase(config, log);
  announceDatabase(database);
  const handle = connect(database.url, { max: 1, applicationName: 'accrue-cli' });
  let mistake: string | undefined;
  let usage = false;
  try {
    return await fn(handle.db);
  } catch (err) {
    if (!(err instanceof NotFoundError || err instanceof ConflictError || err instanceof ValidationError)) throw err;
    mistake = userMessage(err);
    usage = err instanceof ValidationError;
  } finally {
    await handle.close();
    await database.stop();
  }
  return exitWithError(mistake, usage ? 'usage' : 'runtime');
}

function userMessage(err: unknown): string {
  if (err instanceof ValidationError && err.issues.length > 0) {
    return err.issues.map((i) => `${FLAGS[i.field] ?? i.field}: ${i.message}`).join('; ');
  }
  return err instanceof Error ? err.message : String(err);
}
