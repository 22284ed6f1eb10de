import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { identifier } from '../../events/primitives.ts';
import type { ApiApp, RouteDeps } from '../context.ts';
import { requireScope } from '../middleware/authenticate.ts';
import { runInvoiceCommand } from '../runInvoiceCommand.ts';
import { conflict, errorResponses, etagHeader, idempotencyHeader, json, notFound } from './commonSchemas.ts';
import { invoiceSchema, paymentBody, reminderBody, voidInvoiceBody } from './invoiceSchemas.ts';

const base = {
  method: 'post' as const,
  tags: ['invoices'],
  security: [{ bearer: [] }],
  middleware: [requireScope('invoices:write')],
};
const request = <T extends z.ZodType>(schema: T) => ({
  params: z.object({ id: identifier }),
  headers: idempotencyHeader,
  body: { required: true, content: { 'application/json': { schema } } },
});
const responses = { 200: json(invoiceSchema, 'the invoice after the command', etagHeader), ...errorResponses, ...notFound, ...conflict };

const voidRoute = createRoute({
  ...base, path: '/v1/invoices/{id}/void', operationId: 'voidInvoice', request: request(voidInvoiceBody), responses,
  summary: 'Void an open or paid invoice (InvoiceVoided, dated today)',
});
const paymentRoute = createRoute({
  ...base, path: '/v1/invoices/{id}/payments', operationId: 'recordPayment', request: request(paymentBody), responses,
  summary: 'Record a payment (InvoicePaymentReceived; InvoicePaid too when it settles the invoice)',
});
const reminderRoute = createRoute({
  ...base, path: '/v1/invoices/{id}/reminders', operationId: 'sendReminder', request: request(reminderBody), responses,
  summary: 'Record a reminder sent to the customer (InvoiceReminderSent)',
});

export function registerInvoiceActionRoutes(app: ApiApp, deps: RouteDeps): void {
  app.openapi(voidRoute, async (c) => {
    const { id } = c.req.valid('param');
    return runInvoiceCommand(c, deps, id, { type: 'void', ...c.req.valid('json') });
  });
  app.openapi(paymentRoute, async (c) => {
    const { id } = c.req.valid('param');
    return runInvoiceCommand(c, deps, id, { type: 'recordPayment', ...c.req.valid('json') });
  });
  app.openapi(reminderRoute, async (c) => {
    const { id } = c.req.valid('param');
    return runInvoiceCommand(c, deps, id, { type: 'sendReminder', ...c.req.valid('json') });
  });
}
