import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { round } from './stats.ts';

export type PgbenchRun = { tps: number; latencyAvgMs: number; transactions: number; threads: number };

export function hasPgbench(): boolean {
  return spawnSync('pgbench', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * One pgbench run of `script` (SQL, one transaction per line) against `url`: C clients on
 * min(C, cores) threads for `seconds`, no vacuum. `mode` is pgbench's -M: 'extended' is
 * what pg and kysely send (unnamed statements), 'prepared' what a named prepared
 * statement costs (the API's invoice insert, src/db/preparedStatements.ts).
 */
export async function runPgbench(url: string, script: string, options: { clients: number; seconds: number; mode?: 'extended' | 'prepared' }): Promise<PgbenchRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'accrue-bench-'));
  try {
    const file = path.join(dir, 'script.sql');
    await writeFile(file, script);
    const threads = Math.max(1, Math.min(options.clients, os.cpus().length));
    const args = ['-n', '-M', options.mode ?? 'extended', '-c', String(options.clients), '-j', String(threads), '-T', String(options.seconds), '-f', file, url];
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.stderr.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}: ${text.slice(-500)}`))));
    });
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`no tps in pgbench output: ${output.slice(-500)}`);
    return {
      tps: round(tps),
      latencyAvgMs: Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]),
      transactions: Number(/number of transactions actually processed: (\d+)/.exec(output)?.[1]),
      threads,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
