import { ConflictError, InvariantError, PreconditionFailedError, ValidationError } from '../errors.ts';
import type { EventType } from '../events/eventTypes.ts';
import { MAX_INVOICE_MAGNITUDE, type InvoiceLine } from '../events/schemas/invoiceEvents.ts';
import { currencyExponent } from '../values/currencies.ts';
import { todayUtc } from '../values/dates.ts';
import { DEFAULT_LIMITS } from '../config.ts';
import { type Limits } from '../values/limits.ts';
import { totals, type InvoiceState } from './invoice.ts';
import { invoiceContentIssues } from './invoiceBounds.ts';
import { aheadOfClockIssue, refuseAheadOfClock } from '../values/aheadOfClock.ts';

export type InvoiceCommand =
  | {
      type: 'create';
      invoiceId: string;
      customerId: string;
      currency: string;
      currencyExponent?: number;
      issuedAt?: string;
      dueDate?: string;
      lines: InvoiceLine[];
    }
  | { type: 'update'; /** undefined: any version (If-Match: *) */ expectedVersion: number | undefined; lines?: InvoiceLine[]; dueDate?: string | null; reason?: string }
  | { type: 'void'; reason: string }
  | { type: 'delete'; reason?: string }
  | { type: 'recordPayment'; paymentId: string; amount: number; receivedAt?: string }
  | { type: 'sendReminder'; channel: string };

export type DecidedEvent = { type: EventType; occurredAt: string; aggregateVersion: number; data: Record<string, unknown> };
export type Decision = { events: DecidedEvent[]; state: InvoiceState };

/**
 * The invoice state machine, pure: command + current state + clock → events and
 * the new state. open → paid (a payment settles it, or an update cuts the total to
 * what was paid or below: the books keep the excess as customer credit); open|paid →
 * void | deleted. An issue date more than a day ahead of the clock is refused (422).
 * Nothing else moves: any other transition is a ConflictError (409), decided
 * before anything is written. `limits` bound what a client can make an invoice hold
 * (lines, service periods, dates, events): a breach is a ValidationError naming the
 * field and the setting.
 */
export function decideInvoice(command: InvoiceCommand, state: InvoiceState | null, now: Date, limits: Limits = DEFAULT_LIMITS): Decision {
  const today = todayUtc(now);
  if (command.type === 'create') {
    if (state) throw new ConflictError(`invoice ${command.invoiceId} already exists`);
    return create(command, now, limits);
  }
  if (!state) throw new InvariantError('decideInvoice needs the current state for everything but create');
  const next = (events: Omit<DecidedEvent, 'aggregateVersion'>[], changes: Partial<InvoiceState>): Decision => {
    const numbered = events.map((e, i) => ({ ...e, aggregateVersion: state.version + i + 1 }));
    return { events: numbered, state: { ...state, ...changes, version: state.version + events.length } };
  };

  switch (command.type) {
    case 'update': {
      if (command.expectedVersion !== undefined && command.expectedVersion !== state.version) {
        throw new PreconditionFailedError(`invoice ${state.id} is at version ${state.version}, not ${command.expectedVersion}`);
      }
      requireStatus(state, ['open'], 'update');
      checkEventCap(state, limits);
      // A merge patch: what the command leaves out stays; `lines`, when given, is the whole new set.
      const dueDate = command.dueDate === undefined ? state.dueDate : command.dueDate;
      const lines = command.lines ?? state.lines;
      checkDueDate(state.issuedAt, dueDate);
      checkContent({ dueDate, lines }, limits);
      const { total, tax } = totals(lines);
      // A cut below what was paid is allowed: the books move the excess to CustomerCredit
      // (REVENUE.md) and the invoice reads paid with nothing due.
      const data = {
        customerId: state.customerId,
        currency: state.currency,
        issuedAt: state.issuedAt,
        ...(dueDate ? { dueDate } : {}),
        lines,
        ...(command.reason !== undefined ? { reason: command.reason } : {}),
      };
      const status = state.amountPaid >= total ? 'paid' : 'open';
      return next([{ type: 'InvoiceUpdated', occurredAt: today, data }], { lines, dueDate, total, tax, status });
    }
    case 'void':
    case 'delete': {
      requireStatus(state, ['open', 'paid'], command.type);
      const reason = command.reason ?? '';
      const type = command.type === 'void' ? 'InvoiceVoided' : 'InvoiceDeleted';
      const status = command.type === 'void' ? 'void' : 'deleted';
      return next([{ type, occurredAt: today, data: { reason } }], { status, voidReason: reason });
    }
    case 'recordPayment': {
      requireStatus(state, ['open'], 'pay');
      checkEventCap(state, limits);
      const receivedAt = command.receivedAt ?? today;
      if (receivedAt < state.issuedAt) {
        throw new ValidationError('payment before issue date', [{ field: 'receivedAt', message: `must not be before the issue date ${state.issuedAt}` }]);
      }
      if (receivedAt > today) {
        throw new ValidationError('payment in the future', [{ field: 'receivedAt', message: 'must not be after today' }]);
      }
      if (BigInt(state.amountPaid) + BigInt(command.amount) > MAX_INVOICE_MAGNITUDE) {
        throw new ValidationError('payments would exceed the largest exact amount', [
          { field: 'amount', message: `the invoice's payments must not sum to more than ${MAX_INVOICE_MAGNITUDE} (2^53-1); ${state.amountPaid} is already paid` },
        ]);
      }
      const data = { paymentId: command.paymentId, amount: command.amount, receivedAt };
      const amountPaid = state.amountPaid + command.amount;
      const settles = amountPaid >= state.total;
      const events: Omit<DecidedEvent, 'aggregateVersion'>[] = [{ type: 'InvoicePaymentReceived', occurredAt: receivedAt, data }];
      if (settles) events.push({ type: 'InvoicePaid', occurredAt: receivedAt, data });
      return next(events, { amountPaid, status: settles ? 'paid' : 'open' });
    }
    case 'sendReminder': {
      requireStatus(state, ['open'], 'remind');
      checkEventCap(state, limits);
      return next([{ type: 'InvoiceReminderSent', occurredAt: today, data: { channel: command.channel } }], {});
    }
  }
}

function create(command: Extract<InvoiceCommand, { type: 'create' }>, now: Date, limits: Limits): Decision {
  const today = todayUtc(now);
  const exponent = currencyExponent(command.currency);
  if (command.currencyExponent !== undefined && command.currencyExponent !== exponent) {
    throw new ValidationError('wrong currency precision', [
      { field: 'currencyExponent', message: `${command.currency} has ${exponent} decimal places (ISO 4217), not ${command.currencyExponent}` },
    ]);
  }
  const issuedAt = command.issuedAt ?? today;
  refuseAheadOfClock([aheadOfClockIssue(issuedAt, 'issuedAt', now)]);
  checkDueDate(issuedAt, command.dueDate ?? null);
  checkContent({ issuedAt, dueDate: command.dueDate, lines: command.lines }, limits);
  const { total, tax } = totals(command.lines);
  const data = {
    customerId: command.customerId,
    currency: command.currency,
    issuedAt,
    ...(command.dueDate ? { dueDate: command.dueDate } : {}),
    lines: command.lines,
  };
  const state: InvoiceState = {
    id: command.invoiceId,
    customerId: command.customerId,
    currency: command.currency,
    status: 'open',
    issuedAt,
    dueDate: command.dueDate ?? null,
    lines: command.lines,
    total,
    tax,
    amountPaid: 0,
    version: 1,
    voidReason: null,
  };
  return { events: [{ type: 'InvoiceCreated', occurredAt: issuedAt, aggregateVersion: 1, data }], state };
}

function checkDueDate(issuedAt: string, dueDate: string | null): void {
  if (dueDate !== null && dueDate < issuedAt) {
    throw new ValidationError('due date before issue date', [{ field: 'dueDate', message: `must not be before issuedAt ${issuedAt}` }]);
  }
}

function checkContent(content: Parameters<typeof invoiceContentIssues>[0], limits: Limits): void {
  const issues = invoiceContentIssues(content, limits);
  if (issues.length > 0) throw new ValidationError('invoice outside the configured limits', issues);
}

/**
 * Updates, payments and reminders stop at ACCRUE_MAX_INVOICE_EVENTS: the revenue book
 * keeps and rewrites every event of an invoice. The closing events (the InvoicePaid a
 * settling payment adds, a void or delete) may still follow, so an invoice holds at
 * most the cap + 2 events and can always be voided.
 */
function checkEventCap(state: InvoiceState, limits: Limits): void {
  if (state.version < limits.maxInvoiceEvents) return;
  throw new ValidationError('invoice event limit reached', [
    {
      field: 'id',
      message: `invoice ${state.id} has ${state.version} events, the most one invoice takes (ACCRUE_MAX_INVOICE_EVENTS=${limits.maxInvoiceEvents}); it can still be voided`,
    },
  ]);
}

function requireStatus(state: InvoiceState, allowed: InvoiceState['status'][], action: string): void {
  if (!allowed.includes(state.status)) {
    throw new ConflictError(`cannot ${action} invoice ${state.id}: it is ${state.status}`);
  }
}
