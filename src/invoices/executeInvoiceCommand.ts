import { uuidv7 } from '../values/uuidv7.ts';
import type { Executor } from '../db/connect.ts';
import { NotFoundError } from '../errors.ts';
import { appendEvents, toEventRows, type EventContext } from '../events/appendEvents.ts';
import type { Limits } from '../values/limits.ts';
import { decideInvoice, type InvoiceCommand } from './decideInvoice.ts';
import { findInvoice, insertInvoiceWithEvents, insertPayment, updateInvoice, type StoredInvoice } from './invoiceRepository.ts';

export function newInvoiceId(): string {
  return `inv_${uuidv7()}`;
}

/**
 * Load (row-locked) → decide → write state → append events, all on the caller's
 * transaction: the state and its events commit together or not at all. A create
 * is a single statement (atomic by itself, so `tx` may be the pool). The row
 * lock makes concurrent commands on one invoice take turns, so an If-Match check
 * after the lock lets exactly one writer per version win.
 */
export async function executeInvoiceCommand(
  tx: Executor,
  invoiceId: string,
  command: InvoiceCommand,
  ctx: EventContext,
  now: Date,
  limits?: Limits,
): Promise<{ invoice: StoredInvoice }> {
  const current = command.type === 'create' ? null : await findInvoice(tx, invoiceId, { forUpdate: true });
  if (command.type !== 'create' && !current) throw new NotFoundError(`invoice ${invoiceId} not found`);
  const decision = decideInvoice(command, current, now, limits);

  const events = decision.events.map((e) => ({ ...e, aggregateId: invoiceId }));
  if (!current) return { invoice: await insertInvoiceWithEvents(tx, decision.state, toEventRows(events, ctx)) };

  const invoice = await updateInvoice(tx, decision.state, current.version);
  if (command.type === 'recordPayment') {
    const received = decision.events[0]!;
    await insertPayment(tx, { invoiceId, paymentId: command.paymentId, amount: command.amount, receivedAt: received.occurredAt });
  }
  await appendEvents(tx, events, ctx);
  return { invoice };
}
