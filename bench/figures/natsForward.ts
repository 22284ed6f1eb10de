import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { loadConfig } from '../../src/config.ts';
import { connect as connectDb } from '../../src/db/connect.ts';
import { appendEventSet, type NewEvent } from '../../src/events/appendEvents.ts';
import { startNatsForwarder } from '../../src/bus/nats/startNatsForwarder.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { round } from '../lib/stats.ts';
import type { Figure } from '../lib/types.ts';

/**
 * Issue 13: `nats{eventsPerSec}`: the JetStream forwarder draining a backlog of stored
 * events into a fresh stream (publish with Nats-Msg-Id, await the acks, record the
 * position per page of ACCRUE_NATS_BATCH_SIZE), in a scratch database. NATS at
 * ACCRUE_NATS_URL, else 127.0.0.1:4222; none there: the figure fails with that note.
 */
export const natsForward: Figure = {
  key: 'nats',
  title: 'NATS JetStream forwarder',
  async run(ctx) {
    const config = loadConfig();
    const natsUrl = config.ACCRUE_NATS_URL ?? 'nats://127.0.0.1:4222';
    const events = Math.min(ctx.events, ctx.quick ? 2_000 : 20_000);
    const scratch = await scratchDatabase(ctx.adminUrl, 'accrue_bench_nats');
    const handle = connectDb(scratch.url, { max: 4 });
    const nc = await connect({ servers: natsUrl, timeout: 3000 });
    const stream = `ACCRUE_BENCH_${Date.now()}`;
    try {
      const task = ctx.progress.task(`nats: forward ${events} events`, events);
      for (let i = 0; i < events; i += 1000) {
        const batch: NewEvent[] = Array.from({ length: Math.min(1000, events - i) }, (_, j) => ({
          type: 'InvoiceReminderSent', aggregateId: `inv_${i + j}`, occurredAt: '2026-02-01', data: { channel: 'email' },
        }));
        await appendEventSet(handle.db, batch, { correlationId: 'bench', actor: 'bench' });
      }
      const jsm = await jetstreamManager(nc);
      const started = performance.now();
      const forwarder = startNatsForwarder({
        db: handle.db,
        natsUrl,
        stream: { name: stream, subjectPrefix: `accrue-bench.${Date.now()}`, retention: 'limits', replicas: 1, duplicateWindowSeconds: 120 },
        batchSize: config.ACCRUE_NATS_BATCH_SIZE,
        pollMs: 50,
        log: silentLogger,
      });
      let stored = 0;
      while (stored < events) {
        await new Promise((r) => setTimeout(r, 50));
        stored = await jsm.streams.info(stream).then((i) => i.state.messages, () => 0);
        task.update(stored);
      }
      const seconds = (performance.now() - started) / 1000;
      await forwarder.stop();
      task.done();
      await jsm.streams.delete(stream).catch(() => {});
      return {
        status: 'measured',
        summary: { eventsPerSec: round(events / seconds, 0) },
        detail: { events, seconds: round(seconds, 2), batchSize: config.ACCRUE_NATS_BATCH_SIZE, natsUrl },
      };
    } finally {
      await nc.close();
      await handle.close();
      await scratch.drop();
    }
  },
};
