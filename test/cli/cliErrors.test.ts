import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/freePort.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/**
 * A user's mistake is one line on stderr and a non-zero exit, never a stack.
 * Costs: one spawned `accrue` per case (~1 s of Node start each), one test database.
 */
const ROOT = path.resolve('.');
const NODE = path.resolve('node_modules/.bin/node');

type Run = { code: number | null; stderr: string; stdout: string };

function accrue(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base)) if (k.startsWith('ACCRUE_') || k === 'DATABASE_URL' || k === 'PORT' || k === 'LOG_LEVEL') delete base[k];
  const proc = spawn(NODE, [path.join(ROOT, 'bin/accrue.js'), ...args], {
    cwd: ROOT,
    env: { ...base, ACCRUE_DATA_DIR: dataDir, ACCRUE_LOG_PRETTY: 'false', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stderr, stdout })));
}

/** `code`: 2 for a mistake in the command or its settings, 1 for a failure while running. */
function expectOneLine(run: Run, pattern: RegExp, code: 1 | 2): void {
  expect(run.code, run.stderr).toBe(code);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^accrue: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr + run.stdout).not.toContain('    at ');
}

let t: TestDatabase;
let dataDir: string;
const withDb = (url: string, change: (u: URL) => void) => {
  const u = new URL(url);
  change(u);
  return u.toString();
};

beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = mkdtempSync(path.join(tmpdir(), 'accrue-cli-'));
});
afterAll(async () => {
  await t.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('CLI failures are one line', () => {
  it('invalid configuration', async () => {
    expectOneLine(await accrue(['migrate'], { PORT: 'abc', DATABASE_URL: t.url }), /invalid configuration: PORT/, 2);
  });

  it('a sample bootstrap token is refused at config validation', async () => {
    expectOneLine(await accrue(['migrate'], { DATABASE_URL: t.url, ACCRUE_BOOTSTRAP_TOKEN: 'change-me-local-bootstrap-token' }), /ACCRUE_BOOTSTRAP_TOKEN: is a sample value/, 2);
  });

  it('an unreachable database: a one-shot command gives up after its bounded wait', async () => {
    const url = withDb(t.url, (u) => (u.port = '1'));
    const started = Date.now();
    const run = await accrue(['migrate'], { DATABASE_URL: url, ACCRUE_DB_WAIT_SECONDS: '1' });
    expectOneLine(run, /database unreachable at 127\.0\.0\.1:1\/.*gave up after 1 s/, 1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.stderr).not.toContain(new URL(t.url).password || 'no-password-in-url');
  });

  it('a missing database', async () => {
    expectOneLine(await accrue(['status'], { DATABASE_URL: withDb(t.url, (u) => (u.pathname = '/accrue_no_such_db')) }), /database "accrue_no_such_db" does not exist.*check DATABASE_URL/, 2);
  });

  it('a missing role', async () => {
    expectOneLine(
      await accrue(['status'], { DATABASE_URL: withDb(t.url, (u) => { u.username = 'accrue_no_such_role'; u.password = 'x'; }) }),
      /database refused: .*accrue_no_such_role/,
      2,
    );
  });

  it('a port in use', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      expectOneLine(await accrue(['api'], { DATABASE_URL: t.url, PORT: String(port), HOST: '127.0.0.1' }), new RegExp(`port ${port} is already in use`), 1);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('bad dates and numbers', { timeout: 120_000 }, async () => {
    expectOneLine(await accrue(['revenue', 'recognize', '--today', '2025-13-01'], { DATABASE_URL: t.url }), /--today: must be a day YYYY-MM-DD, got '2025-13-01'/, 2);
    expectOneLine(await accrue(['analytics', '--as-of', '2025-02-30'], { DATABASE_URL: t.url }), /--as-of: must be a day/, 2);
    expectOneLine(await accrue(['revenue', 'recognize', '--batch-size', 'lots'], { DATABASE_URL: t.url }), /--batch-size: must be a whole number/, 2);
    // Before: parseInt gave NaN and the relay started with zero loops, moving nothing.
    expectOneLine(await accrue(['relay', '--loops', 'two'], { DATABASE_URL: t.url }), /--loops: must be a whole number, got 'two'/, 2);
  });

  it('a bad path', async () => {
    expectOneLine(await accrue(['scenarios', 'run', '/no/such/scenarios.json'], { DATABASE_URL: t.url }), /\/no\/such\/scenarios\.json: no such file or directory/, 2);
  });

  it('a usage mistake commander catches exits 2; --version prints the version', async () => {
    const unknown = await accrue(['status', '--no-such-option']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--no-such-option'");
    expect(unknown.stderr).not.toContain('    at ');
    const version = await accrue(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('--debug (or LOG_LEVEL=debug) adds the stack under the line', { timeout: 120_000 }, async () => {
    for (const run of [
      await accrue(['--debug', 'revenue', 'recognize', '--today', 'nope']),
      await accrue(['revenue', 'recognize', '--today', 'nope', '--debug']),
      await accrue(['revenue', 'recognize', '--today', 'nope'], { LOG_LEVEL: 'debug' }),
    ]) {
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toBe("accrue: --today: must be a day YYYY-MM-DD, got 'nope'");
      expect(run.stderr).toContain('    at ');
    }
  });
});
