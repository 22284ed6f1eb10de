import { uuidv7 } from 'uuidv7';
import type { Executor } from '../db/connect.ts';
import { NotFoundError } from '../errors.ts';
import { appendEvents, type EventContext } from '../events/appendEvents.ts';
import type { StoredEvent } from '../events/envelope.ts';
import { decideInvoice, type InvoiceCommand } from './decideInvoice.ts';
import { findInvoice, insertInvoice, insertPayment, updateInvoice, type StoredInvoice } from './invoiceRepository.ts';

export function newInvoiceId(): string {
  return `inv_${uuidv7()}`;
}

/**
 * Load (row-locked) → decide → write state → append events, all on the caller's
 * transaction: the state and its events commit together or not at all. The row
 * lock makes concurrent commands on one invoice take turns, so an If-Match check
 * after the lock lets exactly one writer per version win.
 */
export async function executeInvoiceCommand(
  tx: Executor,
  invoiceId: string,
  command: InvoiceCommand,
  ctx: EventContext,
  now: Date,
): Promise<{ invoice: StoredInvoice; events: StoredEvent[] }> {
  const current = command.type === 'create' ? null : await findInvoice(tx, invoiceId, { forUpdate: true });
  if (command.type !== 'create' && !current) throw new NotFoundError(`invoice ${invoiceId} not found`);
  const decision = decideInvoice(command, current, now);

  const invoice = current ? await updateInvoice(tx, decision.state, current.version) : await insertInvoice(tx, decision.state);
  if (command.type === 'recordPayment') {
    const received = decision.events[0]!;
    await insertPayment(tx, { invoiceId, paymentId: command.paymentId, amount: command.amount, receivedAt: received.occurredAt });
  }
  const appended = await appendEvents(
    tx,
    decision.events.map((e) => ({ ...e, aggregateId: invoiceId })),
    ctx,
  );
  return { invoice, events: appended.map((a) => a.event) };
}
