import type { Executor } from '../../db/connect.ts';
import type { StoredEvent } from '../../events/envelope.ts';
import { applyInvoiceBatch, type PostingSummary } from './applyInvoiceBatch.ts';

/**
 * Applies one invoice event to the books inside the caller's transaction: a batch of
 * one (applyInvoiceBatch locks the invoice, runs the pure posting, writes book,
 * entries and the revenue events they emit, with the invoice event as causation and
 * its correlation and trace). One implementation serves both paths.
 */
export async function applyInvoiceEvent(db: Executor, event: StoredEvent, now: Date): Promise<PostingSummary> {
  const [result] = await applyInvoiceBatch(db, [event], now);
  return result!;
}
