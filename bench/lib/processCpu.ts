import { readdir, readFile } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { round } from './stats.ts';

// /proc/<pid>/stat after the command name: fields 14-17 of the whole line are utime,
// stime, cutime, cstime, in clock ticks (100 a second on Linux).
async function stat(pid: number): Promise<string[] | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return text ? text.slice(text.lastIndexOf(')') + 2).split(' ') : null;
}

/** CPU milliseconds (user + system) a process has used so far; null off Linux or once it is gone. */
export async function processCpuMs(pid: number): Promise<number | null> {
  const f = await stat(pid);
  return f ? ((Number(f[11]) + Number(f[12])) / 100) * 1000 : null;
}

/**
 * A reader of the CPU the whole Postgres server has used (postmaster, every backend
 * and background process, and the backends that already exited, which the postmaster
 * has reaped into its children's time), when it runs on this machine: the embedded
 * server, or a local DATABASE_URL server (then other databases' work counts too).
 * Null when /proc does not show the server (another host, another OS).
 */
export async function postgresCpuReader(db: Kysely<Database>): Promise<(() => Promise<number>) | null> {
  const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(db);
  const backend = await stat(rows[0]!.pid);
  if (!backend) return null;
  const postmaster = Number(backend[1]);
  return async () => {
    const own = await stat(postmaster);
    let ms = own ? ((Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100) * 1000 : 0;
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const f = await stat(Number(entry));
      if (f && Number(f[1]) === postmaster) ms += ((Number(f[11]) + Number(f[12])) / 100) * 1000;
    }
    return ms;
  };
}

/** CPU at one instant: the API processes' seconds, the Postgres server's ms, this process's usage. */
export type CpuSample = { api: number | null; postgres: number | null; self: NodeJS.CpuUsage };
export type CpuPerRequest = { api: number | null; postgres: number | null; loadGenerator: number };

/**
 * CPU ms per answered request between two samples: the API processes, the whole Postgres
 * server and the load generator (this process). CPU per request is what the code
 * decides; throughput also depends on what else the cores run. The three together
 * times the rate is at most the machine's cores.
 */
export function cpuPerRequest(before: CpuSample, after: CpuSample, answered: number): CpuPerRequest {
  const per = (ms: number | null) => (ms === null ? null : round(ms / answered, 3));
  return {
    api: per(before.api === null || after.api === null ? null : (after.api - before.api) * 1000),
    postgres: per(before.postgres === null || after.postgres === null ? null : after.postgres - before.postgres),
    loadGenerator: round((after.self.user + after.self.system - before.self.user - before.self.system) / 1000 / answered, 3),
  };
}
