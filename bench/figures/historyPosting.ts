import { uuidv7 } from 'uuidv7';
import { connect } from '../../src/db/connect.ts';
import type { StoredEvent } from '../../src/events/envelope.ts';
import { applyInvoiceBatch } from '../../src/subscribers/revenue/applyInvoiceBatch.ts';
import { applyInvoiceEvent } from '../../src/subscribers/revenue/applyInvoiceEvent.ts';
import { addDays, todayUtc } from '../../src/values/dates.ts';
import { scratchDatabase } from '../lib/benchDatabase.ts';
import { percentile, round } from '../lib/stats.ts';
import type { Figure } from '../lib/types.ts';

const PRIORS = [1, 100, 1000] as const;

/**
 * The events of one invoice: a create, then alternately an update (a new version: a
 * correction of its lines) and a payment, one a day, the last dated today, so each
 * posting is on the latest day of the invoice's history as in normal operation.
 */
function invoiceHistory(invoiceId: string, count: number, today: string): StoredEvent[] {
  const first = addDays(today, -(count - 1));
  const lines = (amount: number) =>
    [1, 2, 3].map((n) => ({ lineId: `l${n}`, kind: 'revenue', description: '', amount: amount * n, servicePeriod: { start: first, end: addDays(first, 1500) } }));
  let version = 1;
  return Array.from({ length: count }, (_, k): StoredEvent => {
    const occurredAt = addDays(first, k);
    const base = { eventId: uuidv7(), schemaVersion: 1, aggregateType: 'invoice', aggregateId: invoiceId, position: 0, recordedAt: new Date().toISOString(),
      correlationId: 'bench', causationId: null, traceparent: null, actor: 'bench', source: 'api', externalId: null, occurredAt };
    if (k === 0) return { ...base, type: 'InvoiceCreated', aggregateVersion: 1, data: { customerId: 'cus', currency: 'USD', lines: lines(100_000) } } as StoredEvent;
    if (k % 2 === 1) return { ...base, type: 'InvoiceUpdated', aggregateVersion: ++version, data: { currency: 'USD', lines: lines(100_000 + k) } } as StoredEvent;
    return { ...base, type: 'InvoicePaymentReceived', aggregateVersion: null, data: { paymentId: `p_${k}`, amount: 10 } } as StoredEvent;
  });
}

/**
 * Issue 15: `history{postMsAt1,postMsAt100,postMsAt1000}`: the revenue subscriber's
 * posting of one more event (its whole transaction: locks, book, posted totals, write,
 * commit) for an invoice that already has 1, 100 and 1,000 events, median over 40
 * postings each (quick: 15), in a scratch database. The prior events are posted in
 * batches first; the measured ones one transaction each, alternating update and payment.
 */
export const historyPosting: Figure = {
  key: 'history',
  title: 'Posting cost vs invoice history',
  async run(ctx) {
    const measured = ctx.quick ? 15 : 40;
    const scratch = await scratchDatabase(ctx.adminUrl, 'accrue_bench_history');
    const handle = connect(scratch.url, { max: 2 });
    const now = new Date();
    const summary: Record<string, number> = {};
    const detail: Record<string, unknown> = { measuredPerInvoice: measured };
    try {
      for (const prior of PRIORS) {
        const events = invoiceHistory(`inv_${prior}`, prior + measured, todayUtc(now));
        const task = ctx.progress.task(`history: ${prior} prior event(s)`, prior + measured);
        for (let i = 0; i < prior; i += 100) {
          await handle.db.transaction().execute((tx) => applyInvoiceBatch(tx, events.slice(i, Math.min(prior, i + 100)), now));
          task.increment(Math.min(100, prior - i));
        }
        const ms: number[] = [];
        for (const event of events.slice(prior)) {
          const started = performance.now();
          await handle.db.transaction().execute((tx) => applyInvoiceEvent(tx, event, now));
          ms.push(performance.now() - started);
          task.increment(1);
        }
        task.done();
        summary[`postMsAt${prior}`] = round(percentile(ms, 50), 2);
        detail[`p95MsAt${prior}`] = round(percentile(ms, 95), 2);
      }
    } finally {
      await handle.close();
      await scratch.drop();
    }
    detail.ratio1000to1 = round(summary.postMsAt1000! / summary.postMsAt1!, 2);
    return { status: 'measured', summary, detail, note: 'median ms per posting transaction; target: postMsAt1000 within 1.5x of postMsAt1' };
  },
};
