import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

// `accrue scenarios run ../shared/scenarios` exactly as a user runs it: every public
// scenario in its own fresh database through the production path (HTTP POST
// /v1/events → outbox → relay → pg-boss → worker → ledger, books read over HTTP).
const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCENARIOS = path.resolve(ROOT, '../shared/scenarios');

describe('accrue scenarios run (pipeline driver)', () => {
  it('matches every public scenario exactly and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/accrue.js', 'scenarios', 'run', SCENARIOS, '--json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: inject('adminUrl'), LOG_LEVEL: 'silent' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 300_000,
    });
    const outcomes = JSON.parse(stdout) as { id: string; matches: boolean; differences: unknown[] }[];
    expect(outcomes.length).toBeGreaterThanOrEqual(6);
    for (const o of outcomes) expect({ id: o.id, differences: o.differences }).toEqual({ id: o.id, differences: [] });
    expect(outcomes.every((o) => o.matches)).toBe(true);
  }, 300_000);
});
