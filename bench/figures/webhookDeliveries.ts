import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import { connect as connectDb } from '../../src/db/connect.ts';
import { appendEventSet, type NewEvent } from '../../src/events/appendEvents.ts';
import { busSettings } from '../../src/bus/queues/busSettings.ts';
import { startRelay } from '../../src/bus/relay/startRelay.ts';
import { startWorker } from '../../src/bus/worker/startWorker.ts';
import { buildSubscribers } from '../../src/subscribers/index.ts';
import { createEndpoint } from '../../src/subscribers/webhooks/endpoints/manageEndpoints.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { round, summarizeLatencies } from '../lib/stats.ts';
import type { Figure } from '../lib/types.ts';

const reminder = (i: number): NewEvent => ({ type: 'InvoiceReminderSent', aggregateId: `inv_${i}`, occurredAt: '2026-02-01', data: { channel: 'email' } });

/**
 * Issue 13: `webhooks{deliveriesPerSec, p95Ms}` against a local node:http receiver
 * (answers 200 at once), relay and worker in this process, with the webhooks
 * subscriber only, in a scratch database:
 * - deliveriesPerSec: a backlog of stored events, each to one endpoint, drained from
 *   relay start to the last 2xx (fan-out job, claim, signed POST, recorded attempt);
 * - p95Ms: events committed one at a time at a modest rate, from the event's commit
 *   (recorded_at) to the receiver having the request.
 * The default concurrency settings (ACCRUE_WEBHOOK_CONCURRENCY, _ENDPOINT_CONCURRENCY).
 */
export const webhookDeliveries: Figure = {
  key: 'webhooks',
  title: 'Webhook deliveries (local receiver)',
  async run(ctx) {
    const config = loadConfig({ ...process.env, ACCRUE_WEBHOOK_ALLOW_PRIVATE: 'true' });
    const backlog = ctx.quick ? 500 : Math.min(ctx.events, 5_000);
    const paced = ctx.quick ? 50 : 300;
    const rate = ctx.quick ? 25 : 50;
    const received = new Map<string, number>();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received.set(String(req.headers['webhook-id']), Date.now());
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const scratch = await scratchDatabase(ctx.adminUrl, 'accrue_bench_webhooks');
    const handle = connectDb(scratch.url, { max: 4 });
    const breakers = connectDb(scratch.url, { max: 2 });
    const webhooks = buildSubscribers(config, { breakerDb: breakers.db }).filter((s) => s.name === 'webhooks');
    const settings = busSettings(config);
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
    let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
    const waitFor = async (count: number, task: { update(n: number): void }) => {
      while (received.size < count) {
        await new Promise((r) => setTimeout(r, 20));
        task.update(received.size);
      }
    };
    try {
      await createEndpoint(handle.db, { url: receiverUrl, eventTypes: ['InvoiceReminderSent'], description: 'bench', enabled: true }, { correlationId: 'bench', actor: 'bench' }, new Date());
      for (let i = 0; i < backlog; i += 1000) {
        await appendEventSet(handle.db, Array.from({ length: Math.min(1000, backlog - i) }, (_, j) => reminder(i + j)), { correlationId: 'bench', actor: 'bench' });
      }
      worker = await startWorker({ url: scratch.url, subscribers: webhooks, settings, log: silentLogger });
      const drain = ctx.progress.task(`webhooks: deliver a backlog of ${backlog}`, backlog);
      const started = performance.now();
      relay = await startRelay({ url: scratch.url, subscribers: webhooks, settings, log: silentLogger });
      await waitFor(backlog, drain);
      const seconds = (performance.now() - started) / 1000;
      drain.done();

      const live = ctx.progress.task(`webhooks: ${paced} events at ${rate}/s`, paced);
      const firstPaced = received.size;
      for (let i = 0; i < paced; i++) {
        await appendEventSet(handle.db, [reminder(backlog + i)], { correlationId: 'bench-paced', actor: 'bench' });
        await new Promise((r) => setTimeout(r, 1000 / rate));
      }
      await waitFor(firstPaced + paced, live);
      live.done();
      const rows = await handle.db.selectFrom('events').select(['event_id', 'recorded_at']).where('correlation_id', '=', 'bench-paced').execute();
      const latencies = rows.map((r) => received.get(r.event_id)! - r.recorded_at.getTime());
      const summary = summarizeLatencies(latencies);
      return {
        status: 'measured',
        summary: { deliveriesPerSec: round(backlog / seconds, 0), p95Ms: summary.p95Ms },
        detail: {
          backlog,
          seconds: round(seconds, 2),
          paced: { events: paced, ratePerSec: rate, ...summary },
          concurrency: config.ACCRUE_WEBHOOK_CONCURRENCY,
          endpointConcurrency: config.ACCRUE_WEBHOOK_ENDPOINT_CONCURRENCY,
        },
        note: 'one endpoint on loopback answering 200 at once; p95Ms: event commit to the receiver having the request, at a paced rate',
      };
    } finally {
      await relay?.stop();
      await worker?.stop();
      await breakers.close();
      await handle.close();
      await scratch.drop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  },
};
