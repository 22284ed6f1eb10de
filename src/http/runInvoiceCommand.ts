import type { Context } from 'hono';
import type { InvoiceCommand } from '../invoices/decideInvoice.ts';
import { executeInvoiceCommand } from '../invoices/executeInvoiceCommand.ts';
import { invoiceResource } from '../invoices/invoice.ts';
import type { ApiEnv, RouteDeps } from './context.ts';
import { runCommand } from './runCommand.ts';
import { etag } from './validation.ts';

/**
 * Runs one invoice command through runCommand (its own transaction, idempotency key)
 * and answers with the invoice's new state, its version as ETag. A create is one SQL
 * statement, so it may skip BEGIN/COMMIT; `location` adds the invoice's URL.
 */
export function runInvoiceCommand<S extends 200 | 201 = 200>(
  c: Context<ApiEnv>,
  deps: RouteDeps,
  id: string,
  command: InvoiceCommand,
  options: { status?: S; location?: boolean } = {},
) {
  const { now } = deps;
  return runCommand(
    c,
    deps,
    async (tx, ctx) => {
      const { invoice } = await executeInvoiceCommand(tx, id, command, ctx, now(), deps.limits);
      const headers: Record<string, string> = { ETag: etag(invoice.version) };
      if (options.location) headers.Location = `/v1/invoices/${invoice.id}`;
      return { status: options.status ?? (200 as S), body: invoiceResource(invoice), headers };
    },
    { singleStatement: command.type === 'create', command: `invoice.${command.type}`, invoiceId: id },
  );
}
