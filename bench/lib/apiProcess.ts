import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpuMs } from './processCpu.ts';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');

export type ApiProcess = {
  url: string;
  pid: number;
  /** CPU seconds (user + system) the API process has used so far; null off Linux. */
  cpuSeconds(): Promise<number | null>;
  stop(): Promise<void>;
};


function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      server.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/**
 * `accrue api` as its own process, exactly as deployed (own event loop, own pool,
 * access log on at LOG_LEVEL), so the load generator in the bench process does not
 * share its event loop. Its stdout goes to /dev/null: the log lines are still
 * serialised and written, which is their real cost. Ready when /readyz answers 200.
 */
export async function startApiProcess(options: {
  databaseUrl: string;
  token: string;
  env?: Record<string, string>;
  /** Node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', dir] to profile the API under load. */
  nodeArgs?: string[];
}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN, 'api'], {
    env: {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      ACCRUE_BOOTSTRAP_TOKEN: options.token,
      LOG_LEVEL: 'info',
      ACCRUE_LOG_PRETTY: 'false',
      // BENCH_API_NODE_OPTIONS, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof', profiles the
      // API under the bench's load (docs/performance.md, "Profiling"); the profile is
      // written when the API exits on the bench's SIGTERM.
      ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + String(d)).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`accrue api exited ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`accrue api not ready within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    cpuSeconds: async () => {
      const ms = await processCpuMs(child.pid!);
      return ms === null ? null : ms / 1000;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`accrue api exited ${code} on SIGTERM: ${stderr}`);
    },
  };
}
