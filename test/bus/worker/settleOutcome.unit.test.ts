import { describe, expect, it } from 'vitest';
import { DeferDelivery } from '../../../src/bus/contract/deferDelivery.ts';
import { RefuseEvent } from '../../../src/bus/contract/refuseEvent.ts';
import type { StoredEvent } from '../../../src/events/envelope.ts';
import { settleOutcome } from '../../../src/bus/worker/settleJobs.ts';

const startedAt = new Date('2026-02-01T00:00:00Z');
const job = { id: 'j1', retryCount: 2, data: { eventId: '00000000-0000-4000-8000-000000000001', type: 'InvoiceReminderSent' } };
const event = { eventId: '00000000-0000-4000-8000-000000000001', type: 'InvoiceReminderSent' } as StoredEvent;
const row = { jobId: 'j1', eventId: event.eventId, eventType: 'InvoiceReminderSent', attempt: 3, startedAt };

/**
 * What each outcome means for pg-boss and failed_attempts, decided in one place
 * (pure; settleJobs does the writes). Costs: no database.
 */
describe('settleOutcome', () => {
  it('applied: completed, no row', () => {
    expect(settleOutcome({ kind: 'applied', job, event }, startedAt, true)).toEqual({ result: { id: 'j1', status: 'completed' } });
  });

  it('poison: deadletter without retries, a poison row naming what the payload says', () => {
    const s = settleOutcome({ kind: 'poison', job, error: new Error('invalid event envelope') }, startedAt, true);
    expect(s.result).toEqual({ id: 'j1', status: 'deadletter', output: { message: 'invalid event envelope', poison: true, attempt: 3 } });
    expect(s.failure).toMatchObject({ ...row, poison: true, message: 'invalid event envelope' });
  });

  it('threw: failed with the stack (retried); RefuseEvent: deadletter + poison', () => {
    const failed = settleOutcome({ kind: 'threw', job, event, error: new Error('boom') }, startedAt, true);
    expect(failed.result).toEqual({ id: 'j1', status: 'failed', output: { message: 'boom', stack: expect.stringContaining('boom'), attempt: 3 } });
    expect(failed.failure).toMatchObject({ ...row, poison: false, message: 'boom' });
    const refused = settleOutcome({ kind: 'threw', job, event, error: new RefuseEvent('never') }, startedAt, true);
    expect(refused.result).toMatchObject({ status: 'deadletter', output: { message: 'never', poison: true, attempt: 3 } });
    expect(refused.failure).toMatchObject({ ...row, poison: true });
  });

  it('DeferDelivery: completed and requeued when the queue can requeue, else an ordinary failure', () => {
    const error = new DeferDelivery(2.5, 'later');
    expect(settleOutcome({ kind: 'threw', job, event, error }, startedAt, true)).toEqual({
      result: { id: 'j1', status: 'completed', output: { deferredSeconds: 3, reason: 'later' } },
      deferSeconds: 3,
    });
    expect(settleOutcome({ kind: 'threw', job, event, error }, startedAt, false)).toMatchObject({ result: { status: 'failed' }, failure: { poison: false } });
  });

  it('lost (the transaction failed): failed, the stack kept in the row only', () => {
    const s = settleOutcome({ kind: 'lost', job, event, error: new RefuseEvent('connection reset') }, startedAt, true);
    expect(s.result).toEqual({ id: 'j1', status: 'failed', output: { message: 'connection reset', stack: null, attempt: 3 } });
    expect(s.failure).toMatchObject({ ...row, poison: false, stack: expect.stringContaining('connection reset') });
  });
});
