import fc from 'fast-check';
import { addDays } from '../../../src/values/dates.ts';
import type { IncomingEvent, PostingClock } from '../../../src/subscribers/revenue/postInvoiceEvent.ts';
import { ev } from './events.ts';

// Random invoice histories (creates, updates, payments with repeated ids, voids,
// discounts, tax, negative and point-in-time lines, service before issue, leap days),
// posted with the pure code. Today is after every service period.
export const CLOCK: PostingClock = { today: '2026-11-26', firstOpenDay: null };
export const BASE = '2023-12-01';

type Line = Parameters<typeof ev.created>[3][number];

const revenueLine = (lineId: string, issueOffset: number) =>
  fc.record({
    amount: fc.integer({ min: -5000, max: 100_000 }),
    start: fc.integer({ min: -60, max: 60 }),
    days: fc.integer({ min: 1, max: 400 }),
    pointInTime: fc.boolean(),
  }).map(({ amount, start, days, pointInTime }): Line =>
    pointInTime
      ? { lineId, kind: 'revenue', amount }
      : { lineId, kind: 'revenue', amount, servicePeriod: { start: addDays(BASE, issueOffset + start), end: addDays(BASE, issueOffset + start + days) } },
  );

const invoiceLines = (issueOffset: number) =>
  fc
    .tuple(
      fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
      fc.option(fc.record({ amount: fc.integer({ min: -500, max: 0 }), targeted: fc.boolean() }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    )
    .chain(([ids, disc, taxAmount]) =>
      fc.tuple(...ids.map((id) => revenueLine(id, issueOffset))).map((revenue) => {
        const lines: Line[] = [...revenue];
        if (disc) lines.push({ lineId: 'd', kind: 'discount', amount: disc.amount, ...(disc.targeted ? { appliesToLineId: ids[0]! } : {}) });
        if (taxAmount !== undefined) lines.push({ lineId: 't', kind: 'tax', amount: taxAmount });
        return lines;
      }),
    );

export const invoiceHistory = (invoiceId: string) =>
  fc
    .record({ issue: fc.integer({ min: 0, max: 400 }), currency: fc.constantFrom('USD', 'JPY') })
    .chain(({ issue, currency }) =>
      fc.record({
        create: invoiceLines(issue).map((lines) => ev.created(`${invoiceId}-c`, invoiceId, addDays(BASE, issue), lines, currency)),
        updates: fc.uniqueArray(
          fc.record({ version: fc.integer({ min: 2, max: 5 }), at: fc.integer({ min: 0, max: 300 }), lines: invoiceLines(issue) }),
          { selector: (u) => u.version, maxLength: 3 },
        ).map((us) => us.map((u) => ev.updated(`${invoiceId}-u${u.version}`, invoiceId, addDays(BASE, issue + u.at), u.version, u.lines, currency))),
        payments: fc.array(
          fc.record({ id: fc.constantFrom('p1', 'p2', 'p3'), at: fc.integer({ min: -10, max: 300 }), amount: fc.integer({ min: 0, max: 200_000 }), settles: fc.boolean() }),
          { maxLength: 4 },
        ).map((ps) => ps.map((p, i) => ev.paid(`${invoiceId}-p${i}`, invoiceId, addDays(BASE, issue + p.at), p.id, p.amount, p.settles ? 'InvoicePaid' : 'InvoicePaymentReceived'))),
        void: fc.option(fc.integer({ min: 0, max: 300 }).map((at) => ev.voided(`${invoiceId}-v`, invoiceId, addDays(BASE, issue + at))), { nil: undefined }),
      }),
    )
    .map((h): IncomingEvent[] => [h.create, ...h.updates, ...h.payments, ...(h.void ? [h.void] : [])]);

export const histories = fc.tuple(invoiceHistory('inv_a'), invoiceHistory('inv_b')).map(([a, b]) => [...a, ...b]);

