import { z } from 'zod';
import { ACCOUNTS } from '../../subscribers/revenue/accounts.ts';
import { REVENUE_EVENT_TYPES } from '../../events/eventTypes.ts';
import { amount, currency, day, month } from './commonSchemas.ts';

// The shapes the reports answer (scenarios/FORMAT.json `expectedFields`), for the
// OpenAPI document: a generated client sees these types, not `unknown`.

/** currency → value; JSON objects keyed by ISO 4217 code. */
const byCurrency = <T extends z.ZodType>(value: T) => z.record(currency, value);
const byMonth = <T extends z.ZodType>(value: T) => z.record(month, value);

const accountAmounts = z
  .object(Object.fromEntries(ACCOUNTS.map((a) => [a, amount])) as Record<(typeof ACCOUNTS)[number], typeof amount>)
  .meta({ id: 'AccountAmounts', description: 'signed amount per account in minor units, natural sign (debit-normal accounts positive when debited)' });
const debitCredit = z.object({ debit: amount, credit: amount });

export const revenueByMonthSchema = byCurrency(byMonth(amount)).meta({
  id: 'RevenueByMonth',
  description: 'currency → month → revenue recognised in that month (credits minus debits to Revenue)',
});
export const balancesByMonthSchema = byCurrency(byMonth(accountAmounts)).meta({
  id: 'BalancesByMonth',
  description: 'currency → month → amount per account (closing balance or net movement of the month)',
});
export const revenueEventTotalsSchema = byCurrency(
  z.object(Object.fromEntries(REVENUE_EVENT_TYPES.map((t) => [t, amount])) as Record<(typeof REVENUE_EVENT_TYPES)[number], typeof amount>),
).meta({ id: 'RevenueEventTotals', description: 'currency → revenue event type → total amount emitted' });
export const trialBalanceSchema = byCurrency(
  z.object({
    asOf: day,
    accounts: z.object(Object.fromEntries(ACCOUNTS.map((a) => [a, debitCredit])) as Record<(typeof ACCOUNTS)[number], typeof debitCredit>),
    totals: debitCredit.meta({ description: 'equal when the books balance' }),
  }),
).meta({ id: 'TrialBalance', description: "currency → each account's balance on its debit or credit side as of a day" });
export const waterfallSchema = byCurrency(
  byMonth(
    z.object({
      recognizedToDate: amount,
      scheduled: byMonth(amount).meta({ description: 'month → recognition still scheduled' }),
    }),
  ).meta({ description: 'invoice (issue) month →' }),
).meta({ id: 'Waterfall', description: 'currency → invoice month → recognised to date and still scheduled per month' });

export const invoiceStateEntrySchema = z
  .object({
    status: z.enum(['open', 'paid', 'void', 'deleted']),
    version: z.number().int(),
    total: amount,
    tax: amount,
    netRevenue: amount,
    amountPaid: amount,
    amountDue: amount,
    currency,
  })
  .meta({ id: 'InvoiceStateEntry' });
export const invoiceStateSchema = z.record(z.string(), invoiceStateEntrySchema).meta({ id: 'InvoiceState', description: 'invoice id → its state in the books' });
export const monthsSchema = z.object({ months: z.array(month) }).meta({ id: 'ReportMonths' });

export const invoiceBookSchema = invoiceStateEntrySchema
  .extend({
    invoiceId: z.string(),
    issuedOn: day,
    schedule: z.array(
      z.object({
        lineId: z.string(),
        netAmount: amount,
        servicePeriod: z.object({ start: day, end: day }).nullable(),
        recognizedToDate: amount,
        months: byMonth(amount).meta({ description: 'month → amount the line recognises in it' }),
      }),
    ),
    entries: z.array(
      z.object({
        entryId: z.number().int(),
        date: day,
        period: month,
        kind: z.string(),
        lineId: z.string().nullable(),
        paymentId: z.string().nullable(),
        eventId: z.string().nullable(),
        note: z.string().nullable(),
        lines: z.array(z.object({ account: z.enum(ACCOUNTS), debit: amount, credit: amount })),
      }),
    ),
  })
  .meta({ id: 'InvoiceBook' });

/** CSV of a report: one header row, then a row per currency, month (and account). */
export const csvSchema = z.string().meta({ description: 'RFC 4180 CSV with a header row; amounts in minor units' });
