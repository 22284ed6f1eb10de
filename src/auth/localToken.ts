import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/connect.ts';
import { createApiKey, isActiveToken } from './apiKeys.ts';
import { SCOPES } from './scopes.ts';

/**
 * On the embedded default with no ACCRUE_BOOTSTRAP_TOKEN, a newcomer still needs
 * a token: create one all-scopes key once and keep it in <dataDir>/local-token
 * (git-ignored, mode 0600), reused on every later start while the key exists.
 * `db` is the pool: the key commits in its own transaction (createApiKey).
 */
export async function ensureLocalToken(db: Db, dataDir: string): Promise<{ token: string; file: string; created: boolean }> {
  const file = path.resolve(dataDir, 'local-token');
  const existing = await readFile(file, 'utf8').then((s) => s.trim(), () => null);
  if (existing && (await isActiveToken(db, existing))) return { token: existing, file, created: false };
  const key = await createApiKey(db, { name: 'local', scopes: SCOPES });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${key.token}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { token: key.token, file, created: true };
}
