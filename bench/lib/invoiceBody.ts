/** The invoice the HTTP figures create: one revenue line with a service period, one tax line. */
export const INVOICE = (customerId: string) =>
  JSON.stringify({
    customerId,
    currency: 'USD',
    issuedAt: '2026-01-01',
    dueDate: '2026-01-31',
    lines: [
      { lineId: 'li_1', kind: 'revenue', description: 'Annual plan', amount: 36500, servicePeriod: { start: '2026-01-01', end: '2027-01-01' } },
      { lineId: 'tax', kind: 'tax', description: 'VAT', amount: 7300 },
    ],
  });
