import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { BUS_NODE_OPTIONS } from '../../src/runtime/nodeOptions.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'busProcess.ts');

/** Statement kind -> how many were sent and their total ms from send to result. */
export type QueryCounts = Record<string, { n: number; ms: number }>;

export type BusChild = {
  pid: number;
  /** SIGTERM, waits for the graceful stop; returns the statements it sent, by kind. */
  stop(): Promise<QueryCounts>;
};

/** The environment without its undefined entries: `{ X: undefined }` unsets X for the child. */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
}

/**
 * Starts a relay or worker (bench/lib/busProcess.ts) as a child process on the same
 * Node as the bench (process.execPath), and resolves once it is working.
 */
export async function startBusChild(role: 'relay' | 'worker', url: string, env: NodeJS.ProcessEnv = {}): Promise<BusChild> {
  const child = spawn(process.execPath, [SCRIPT, role, url], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // As deployed: the bus processes' V8 heap settings (BUS_NODE_OPTIONS, docker-compose.yml).
    // BENCH_CHILD_NODE_OPTIONS replaces them, e.g. to profile the relay and worker alone:
    // '--cpu-prof --cpu-prof-dir=/tmp/prof' (docs/performance.md, "Profiling").
    env: childEnv({ ...process.env, LOG_LEVEL: 'silent', NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS ?? BUS_NODE_OPTIONS, ...env }),
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const lines = createInterface({ input: child.stdout });
  const messages: Record<string, unknown>[] = [];
  let onMessage: (() => void) | undefined;
  lines.on('line', (line) => {
    try {
      messages.push(JSON.parse(line) as Record<string, unknown>);
      onMessage?.();
    } catch {
      // not ours (a stray log line)
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const next = (key: string, timeoutMs: number) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench ${role}: no '${key}' within ${timeoutMs / 1000} s; stderr: ${stderr}`)), timeoutMs);
      const check = () => {
        const m = messages.find((x) => key in x);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      onMessage = check;
      check();
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`bench ${role} exited (${code}) before '${key}'; stderr: ${stderr}`));
      });
    });
  await next('ready', 60_000);
  return {
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      const m = await next('queries', 60_000);
      await exited;
      return m.queries as QueryCounts;
    },
  };
}
