import { randomBytes } from 'node:crypto';
import { connect, type DbHandle } from '../../db/connect.ts';
import { migrate } from '../../db/migrate.ts';
import { createDatabase } from '../../db/createDatabase.ts';

/**
 * A fresh, migrated database on the server of `serverUrl` for one scenario run;
 * dropped by `drop()`. Each scenario starts from empty books.
 */
export async function createScratchDatabase(serverUrl: string): Promise<DbHandle & { drop(): Promise<void> }> {
  const database = await createDatabase(serverUrl, `accrue_scenario_${randomBytes(5).toString('hex')}`);
  await migrate(database.url);
  const handle = connect(database.url, { max: 4, applicationName: 'accrue-scenarios' });
  return {
    ...handle,
    async drop() {
      await handle.close();
      await database.drop();
    },
  };
}
