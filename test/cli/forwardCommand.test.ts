import { describe, expect, it } from 'vitest';
import { spawnAccrue, type AccrueProcess } from '../helpers/accrueProcess.ts';

const exited = (p: AccrueProcess) =>
  new Promise<number | null>((resolve) => (p.proc.exitCode !== null ? resolve(p.proc.exitCode) : p.proc.once('exit', (code) => resolve(code))));

/** Costs: two short child processes, no database (they stop before opening one). */
describe('accrue forward nats', () => {
  it('without ACCRUE_NATS_URL, or with a bad stream name, ends with one line and exit code 2 (the user must change a setting)', async () => {
    const noUrl = spawnAccrue(['forward', 'nats'], {});
    expect(await exited(noUrl)).toBe(2);
    expect(noUrl.stderr().trim()).toBe('accrue: ACCRUE_NATS_URL is not set: name the NATS server to forward to, e.g. ACCRUE_NATS_URL=nats://127.0.0.1:4222');
    const badStream = spawnAccrue(['forward', 'nats'], { ACCRUE_NATS_URL: 'nats://127.0.0.1:4222', ACCRUE_NATS_STREAM: 'a.b' });
    expect(await exited(badStream)).toBe(2);
    expect(badStream.stderr().trim()).toBe('accrue: invalid configuration: ACCRUE_NATS_STREAM: letters, digits, _ and - only');
  });
});
