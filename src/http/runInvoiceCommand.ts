import type { Context } from 'hono';
import type { InvoiceCommand } from '../invoices/decideInvoice.ts';
import { executeInvoiceCommand } from '../invoices/executeInvoiceCommand.ts';
import { invoiceResource } from '../invoices/invoice.ts';
import type { ApiDeps, ApiEnv } from './context.ts';
import { runCommand } from './runCommand.ts';
import { etag } from './validation.ts';

/**
 * Runs one invoice command through runCommand (its own transaction, idempotency key)
 * and answers with the invoice's new state, its version as ETag. A create is one SQL
 * statement, so it may skip BEGIN/COMMIT; `location` adds the invoice's URL.
 */
export function runInvoiceCommand(
  c: Context<ApiEnv>,
  deps: ApiDeps,
  id: string,
  command: InvoiceCommand,
  options: { status?: number; location?: boolean } = {},
): Promise<Response> {
  const now = deps.now ?? (() => new Date());
  return runCommand(
    c,
    deps,
    async (tx, ctx) => {
      const { invoice } = await executeInvoiceCommand(tx, id, command, ctx, now(), deps.limits);
      const headers: Record<string, string> = { ETag: etag(invoice.version) };
      if (options.location) headers.Location = `/v1/invoices/${invoice.id}`;
      return { status: options.status ?? 200, body: invoiceResource(invoice), headers };
    },
    { singleStatement: command.type === 'create', command: `invoice.${command.type}`, invoiceId: id },
  );
}
