import { createAccrueClient, type AccrueClient } from '../src/index.ts';

/** The README walk-through, typed: a customer, an invoice, its revenue by month. */
export async function quickstart(client: AccrueClient) {
  const customer = await client.POST('/v1/customers', { body: { name: 'Ada', email: 'ada@example.com' } });
  if (!customer.data) throw new Error(customer.error?.detail);
  const invoice = await client.POST('/v1/invoices', {
    body: { customerId: customer.data.id, currency: 'USD', issuedAt: '2026-01-01', lines: [
      { lineId: 'li_1', kind: 'revenue', description: 'Annual plan', amount: 36500, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } },
    ] },
  });
  if (!invoice.data) throw new Error(invoice.error?.detail);
  const revenue = await client.GET('/v1/reports/revenue-by-month', { params: { query: { currency: 'USD' } } });
  return { invoice: invoice.data, revenueByMonth: revenue.data };
}

// node examples/quickstart.ts  (ACCRUE_URL default http://localhost:3000, ACCRUE_TOKEN: a key with invoices:write and reports:read)
if (import.meta.main) {
  const client = createAccrueClient({ baseUrl: process.env.ACCRUE_URL ?? 'http://localhost:3000', token: process.env.ACCRUE_TOKEN ?? '' });
  console.log(JSON.stringify(await quickstart(client), null, 2));
}
