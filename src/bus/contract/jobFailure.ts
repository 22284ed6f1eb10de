import { ValidationError, toError } from '../../errors.ts';

/** What a failed attempt stores in failed_attempts and in the pg-boss job output. */
export type AttemptFailure = {
  jobId: string;
  eventId: string | null;
  eventType: string | null;
  attempt: number;
  poison: boolean;
  message: string;
  stack: string | null;
  startedAt: Date;
};

export function describeFailure(err: unknown): { message: string; stack: string | null } {
  const error = toError(err);
  // A ValidationError names the fields; keep them in the message the operator reads.
  const detail = error instanceof ValidationError && error.issues.length > 0
    ? `: ${error.issues.map((i) => `${i.field} ${i.message}`).join('; ')}`
    : '';
  return { message: `${error.message}${detail}`, stack: error.stack ?? null };
}

/** The envelope fields of a payload that may not be a valid event (poison). */
export function eventIdentity(data: unknown): { eventId: string | null; eventType: string | null } {
  const d = (data ?? {}) as { eventId?: unknown; type?: unknown };
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  return {
    eventId: typeof d.eventId === 'string' && uuid.test(d.eventId) ? d.eventId : null,
    eventType: typeof d.type === 'string' ? d.type.slice(0, 200) : null,
  };
}
