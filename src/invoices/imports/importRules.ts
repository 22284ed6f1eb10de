import { hasScope, type Principal } from '../../auth/scopes.ts';
import { ForbiddenError, ValidationError } from '../../errors.ts';
import { periodHasEnded, periodNotEndedMessage } from '../periodHasEnded.ts';
import { isIsoMonth } from '../../values/dates.ts';
import type { ImportedEvent } from './importEvents.ts';

/** The problem field of event i: 'i.path' in an array of several, 'path' alone (as the payload checks name them). */
export function importField(events: readonly unknown[], index: number, path: string): string {
  return events.length > 1 ? `${index}.${path}` : path;
}

/**
 * Closing a month cannot be undone, so importing PeriodClosed needs what
 * POST /v1/periods/{p}/close needs: the `admin` scope (403 otherwise, also for one
 * element of an array; checked before anything is written). `events:write` alone
 * imports invoice facts only.
 */
export function authorizeImport(principal: Principal, events: readonly ImportedEvent[]): void {
  const index = events.findIndex((e) => e.type === 'PeriodClosed');
  if (index >= 0 && !hasScope(principal, 'admin')) {
    const which = events.length > 1 ? ` (event ${index}, ${events[index]!.eventId})` : '';
    throw new ForbiddenError(`importing PeriodClosed${which} needs the 'admin' scope: closing a month cannot be undone`);
  }
}

/**
 * The rule of POST /v1/periods/{p}/close for imported closes: only a month that has
 * ended by `now` (400 naming data.period). A malformed month is left to the payload
 * check, which names it the same way.
 */
export function refuseUnendedCloses(events: readonly ImportedEvent[], now: Date): void {
  const issues = events.flatMap((e, i) => {
    const period = e.type === 'PeriodClosed' ? e.data['period'] : undefined;
    if (typeof period !== 'string' || !isIsoMonth(period) || periodHasEnded(period, now)) return [];
    return [{ field: importField(events, i, 'data.period'), message: periodNotEndedMessage(period, now) }];
  });
  if (issues.length > 0) throw new ValidationError('PeriodClosed for a month that has not ended', issues);
}
