import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, findPrincipalByToken } from '../../src/auth/apiKeys.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const run = promisify(execFile);

/** Costs: one test database and ~11 CLI child processes (~1 s each). */
describe('accrue api-key list / revoke / create --expires-* (CLI, a child process)', () => {
  let t: TestDatabase;
  const accrue = (...args: string[]) =>
    run(process.execPath, ['src/cli/main.ts', 'api-key', ...args], { env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' } });
  /** A failing run: its exit code and stderr. */
  const refused = (...args: string[]) =>
    accrue(...args).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('creates an expiring key, lists it (table and --json, never a token) and revokes it, each audited', async () => {
    const created = await accrue('create', '--name', 'nightly export', '--scopes', 'reports:read', '--expires-in', '30d');
    const token = created.stdout.trim();
    expect(token).toMatch(/^acc_/);
    const id = /key (key_\S+)/.exec(created.stderr)![1]!;
    expect(created.stderr).toMatch(/expires 20\d\d-/);
    expect(await findPrincipalByToken(t.db, token)).toMatchObject({ id, scopes: ['reports:read'] });

    const json = JSON.parse((await accrue('list', '--json')).stdout) as { items: Array<Record<string, unknown>> };
    const listed = json.items.find((k) => k.id === id)!;
    expect(listed).toMatchObject({ name: 'nightly export', scopes: ['reports:read'], status: 'active', revokedAt: null, lastUsedAt: null });
    expect(Date.parse(listed.expiresAt as string) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const table = (await accrue('list')).stdout;
    expect(table.split('\n')[0]).toMatch(/^id\s+name\s+scopes\s+status\s+created\s+last used\s+revoked\s+expires$/);
    expect(table).toMatch(new RegExp(`${id}\\s+nightly export\\s+reports:read\\s+active`));
    expect(table + JSON.stringify(json)).not.toContain(token);

    const revoked = await accrue('revoke', id);
    expect(revoked.stdout).toMatch(new RegExp(`key ${id} 'nightly export' is now revoked`));
    expect(await findPrincipalByToken(t.db, token)).toBeNull();
    expect((await accrue('revoke', id)).stdout).toMatch(/was already revoked/);
    const events = await sql<{ type: string; actor: string }>`
      SELECT type, actor FROM audit_operator_actions WHERE subject = ${id} ORDER BY position`.execute(t.db);
    expect(events.rows.map((e) => e.type)).toEqual(['ApiKeyCreated', 'ApiKeyRevoked']);
    for (const e of events.rows) expect(e.actor).toMatch(/^cli:/);
  });

  it('a mistake is one line on stderr: exit 1 for an unknown id or the bootstrap token, 2 for bad or past dates, both expiries', async () => {
    const key = await createApiKey(t.db, { name: 'keep', scopes: ['admin'] });
    const cases: Array<[string[], RegExp, number]> = [
      [['revoke', 'key_nope'], /^accrue: no API key key_nope$/, 1],
      [['revoke', 'bootstrap'], /^accrue: the bootstrap token is not a stored key .*ACCRUE_BOOTSTRAP_TOKEN/, 1],
      [['create', '--name', 'x', '--scopes', 'admin', '--expires-at', '31/12/2026'], /^accrue: --expires-at: '31\/12\/2026' is not a day YYYY-MM-DD/, 2],
      [['create', '--name', 'x', '--scopes', 'admin', '--expires-at', '2020-01-01'], /^accrue: --expires-at: must be in the future/, 2],
      [['create', '--name', 'x', '--scopes', 'admin', '--expires-in', '1d', '--expires-at', '2030-01-01'], /^accrue: --expires-at: not together with expiresIn/, 2],
    ];
    for (const [args, message, exitCode] of cases) {
      const { code, stderr } = await refused(...args);
      expect(code, args.join(' ')).toBe(exitCode);
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(stderr.trim(), args.join(' ')).toMatch(message);
    }
    // Nothing was written by the refused runs.
    const keys = await t.db.selectFrom('api_keys').select('name').execute();
    expect(keys.map((k) => k.name).sort()).toEqual(['keep', 'nightly export']);
    expect(await findPrincipalByToken(t.db, key.token)).not.toBeNull();
  });
});
