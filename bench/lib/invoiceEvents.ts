import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { appendEvents, type NewEvent } from '../../src/events/appendEvents.ts';
import { addDays } from '../../src/values/dates.ts';
import type { Task } from './progress.ts';

/**
 * A deterministic stream of realistic invoice events: many invoices, each created
 * with 1–3 lines (annual or monthly service lines, sometimes a discount or a tax
 * line), most then paid (in full, or in two parts), as the API would emit them
 * (InvoicePaymentReceived, plus InvoicePaid when it settles). Business dates are
 * `today`, so the subscriber posts issue and payment entries, not a year of
 * catch-up recognition. A tiny LCG keeps runs comparable without Math.random.
 */
export function* invoiceEventStream(today: string, prefix = 'inv'): Generator<NewEvent> {
  let seed = 0x2545f491;
  const rand = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let invoice = 1; ; invoice++) {
    const invoiceId = `${prefix}_${invoice}`;
    const lines: Record<string, unknown>[] = [];
    const revenueLines = 1 + Math.floor(rand() * 2);
    let total = 0;
    for (let l = 1; l <= revenueLines; l++) {
      const amount = 1_000 + Math.floor(rand() * 99_000);
      const months = rand() < 0.5 ? 12 : 1;
      lines.push({
        lineId: `l${l}`,
        kind: 'revenue',
        description: months === 12 ? 'Annual plan' : 'Monthly plan',
        amount,
        servicePeriod: { start: today, end: addDays(today, months === 12 ? 365 : 30) },
      });
      total += amount;
    }
    const extra = rand();
    if (extra < 0.25 && lines.length < 3) {
      const discount = -Math.floor(total * 0.1);
      lines.push({ lineId: 'd1', kind: 'discount', description: 'Promotion', amount: discount, appliesToLineId: 'l1' });
      total += discount;
    } else if (extra < 0.5 && lines.length < 3) {
      const tax = Math.floor(total * 0.2);
      lines.push({ lineId: 't1', kind: 'tax', description: 'VAT', amount: tax });
      total += tax;
    }
    let version = 1;
    yield {
      type: 'InvoiceCreated',
      aggregateId: invoiceId,
      aggregateVersion: version,
      occurredAt: today,
      data: { customerId: `cus_${invoice % 5_000}`, currency: 'USD', issuedAt: today, dueDate: addDays(today, 30), lines },
    };
    const payment = rand();
    // 60 % paid in one go, 20 % in two parts, 20 % still open.
    const parts = payment < 0.6 ? [total] : payment < 0.8 ? [Math.floor(total / 2), total - Math.floor(total / 2)] : [];
    for (let p = 0; p < parts.length; p++) {
      const data = { paymentId: `pay_${invoice}_${p + 1}`, amount: parts[p]!, receivedAt: today };
      yield { type: 'InvoicePaymentReceived', aggregateId: invoiceId, aggregateVersion: ++version, occurredAt: today, data };
      if (p === parts.length - 1) yield { type: 'InvoicePaid', aggregateId: invoiceId, aggregateVersion: ++version, occurredAt: today, data };
    }
  }
}

/** The first `count` events of the stream. */
export function invoiceEvents(count: number, today: string, prefix?: string): NewEvent[] {
  const out: NewEvent[] = [];
  for (const e of invoiceEventStream(today, prefix)) {
    if (out.length >= count) break;
    out.push(e);
  }
  return out;
}

/**
 * Puts `count` events in the outbox with no relay running: appendEvents in
 * statements of 1,000 (14 parameters an event; Postgres allows 65,535) and
 * transactions of 10,000, then ANALYZE. Without the ANALYZE the relay's claim and
 * pg-boss's fetch plan against an empty table's statistics (docs/performance.md).
 */
export async function loadOutbox(db: Kysely<Database>, count: number, today: string, prefix: string, task?: Task): Promise<void> {
  const events = invoiceEvents(count, today, prefix);
  for (let i = 0; i < events.length; i += 10_000) {
    const chunk = events.slice(i, i + 10_000);
    await db.transaction().execute(async (tx) => {
      for (let j = 0; j < chunk.length; j += 1_000) {
        await appendEvents(tx, chunk.slice(j, j + 1_000), { correlationId: `bench-${prefix}`, actor: 'bench' });
      }
    });
    task?.increment(chunk.length);
  }
  await sql`ANALYZE`.execute(db);
}
