import { describe, expect, it } from 'vitest';
import type { BatchJob } from '../../../src/bus/worker/batchJob.ts';
import { triageJobs } from '../../../src/bus/worker/triageJobs.ts';

/** A stored InvoiceReminderSent as a job payload carries it (no database). */
function event(eventId: string, aggregateId: string, position: number) {
  return {
    position,
    eventId,
    type: 'InvoiceReminderSent',
    schemaVersion: 1,
    aggregateType: 'invoice',
    aggregateId,
    aggregateVersion: null,
    occurredAt: '2026-01-01',
    recordedAt: '2026-01-01T00:00:00.000Z',
    correlationId: 'c',
    causationId: null,
    traceparent: null,
    actor: 'test',
    source: 'api',
    externalId: null,
    data: { channel: 'email' },
  };
}
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const job = (name: string, data: unknown, retryCount = 0): BatchJob => ({ id: name, retryCount, data });

/**
 * The batch's first step, pure: poison payloads out, the rest in lock order
 * (aggregate, then position; stable), a second job of one event marked duplicate.
 * Costs: no database.
 */
describe('triageJobs', () => {
  it('puts poison payloads aside with the validation error, in batch order', () => {
    const { poison, events } = triageJobs([job('p1', { not: 'an event' }), job('ok', event(id(1), 'inv_a', 1)), job('p2', null)]);
    expect(poison.map((p) => [p.kind, p.job.id])).toEqual([['poison', 'p1'], ['poison', 'p2']]);
    expect(String(poison[0]!.error)).toMatch(/invalid event envelope/);
    expect(events.map((e) => e.job.id)).toEqual(['ok']);
  });

  it('orders events by aggregate, then position, whatever the batch order', () => {
    const { events } = triageJobs([
      job('b2', event(id(4), 'inv_b', 4)),
      job('a3', event(id(3), 'inv_a', 3)),
      job('b1', event(id(2), 'inv_b', 2)),
      job('a1', event(id(1), 'inv_a', 1)),
    ]);
    expect(events.map((e) => e.job.id)).toEqual(['a1', 'a3', 'b1', 'b2']);
  });

  it('marks every job after the first of one event id duplicate (case-insensitive), keeping batch order among them', () => {
    const e = event(id(7), 'inv_a', 7);
    const { events } = triageJobs([
      job('replay', e, 2),
      job('other', event(id(6), 'inv_a', 6)),
      job('original', { ...e, eventId: e.eventId.toUpperCase() }),
    ]);
    expect(events.map((x) => [x.job.id, x.duplicate])).toEqual([['other', false], ['replay', false], ['original', true]]);
  });

  it('an empty batch or one of poison only leaves no events', () => {
    expect(triageJobs([])).toEqual({ poison: [], events: [] });
    expect(triageJobs([job('p', 42)]).events).toEqual([]);
  });
});
