import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { createDatabase } from '../../src/db/createDatabase.ts';
import { MIGRATIONS_DIR, migrate, type MigrateOptions, type MigrateResult } from '../../src/db/migrate.ts';

/**
 * An empty database `name` on the test server (not cloned from the migrated template),
 * for tests that migrate it themselves: URLs as the owner and as the runtime role.
 * Call drop() in afterAll.
 */
export async function createEmptyDatabase(name: string): Promise<{ ownerUrl: string; runtimeUrl: string; drop(): Promise<void> }> {
  const role = inject('runtimeRole');
  const { url: ownerUrl, drop } = await createDatabase(inject('adminUrl'), name);
  const runtime = new URL(ownerUrl);
  runtime.username = role.user;
  runtime.password = role.password;
  return { ownerUrl, runtimeUrl: runtime.toString(), drop };
}

/**
 * Migrates `url` with the migrations numbered below `version` only: the schema as an
 * older release left it, for a test of the migrations from `version` on.
 */
export async function migrateBefore(url: string, version: number, options: Omit<MigrateOptions, 'dir'> = {}): Promise<MigrateResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-migrations-'));
  try {
    for (const f of await readdir(MIGRATIONS_DIR)) {
      if (/^\d{3}_/.test(f) && Number(f.slice(0, 3)) < version) await cp(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    }
    return await migrate(url, { ...options, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
