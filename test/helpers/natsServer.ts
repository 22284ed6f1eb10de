import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';

/** The machine's nats-server with JetStream (issue 13: CI and test machines run one). */
export const NATS_URL = process.env.ACCRUE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export function tcpReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port || 4222) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether the NATS tests run: skipped on a developer machine without nats-server, but
 * under CI an unreachable server fails the file (a skip would pass unnoticed).
 */
export async function natsForTests(): Promise<boolean> {
  const reachable = await tcpReachable(NATS_URL);
  if (!reachable && process.env.CI) throw new Error(`CI is set and no NATS server answers at ${NATS_URL}: the JetStream tests need one (nats-server -js)`);
  return reachable;
}

/** Every message of a stream, in stream order: its subject, Nats-Msg-Id and JSON body. */
export async function readStream(nc: NatsConnection, stream: string) {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(stream);
  const total = info.state.messages;
  const out: { subject: string; msgId: string; body: any }[] = [];
  if (total === 0) return out;
  const consumer = await jetstream(nc).consumers.get(stream);
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: Math.min(1000, total - out.length), expires: 5000 });
    for await (const m of batch) out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') ?? '', body: m.json() });
  }
  return out;
}

export async function messagesIn(nc: NatsConnection, stream: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return jsm.streams.info(stream).then((i) => i.state.messages, () => 0);
}

export async function deleteStream(nc: NatsConnection, stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => {});
}

export const natsConnect = (url = NATS_URL) => connect({ servers: url });

/** A nats-server of the test's own (JetStream, files in a temporary directory) that a test may stop and start again. */
export function privateNatsServer(port: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'accrue-nats-'));
  let proc: ChildProcess | undefined;
  return {
    url: `nats://127.0.0.1:${port}`,
    async start() {
      proc = spawn('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await tcpReachable(`nats://127.0.0.1:${port}`, 200)); i++) await new Promise((r) => setTimeout(r, 100));
    },
    async stop() {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
    async remove() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
