import { describe, expect, it } from 'vitest';
import { readStoredEvent, shareStoredEvent, type StoredEvent } from '../../src/events/envelope.ts';

const raw = (data: Record<string, unknown>) =>
  ({
    position: 7,
    eventId: '0190c1a8-7e5c-7000-8000-000000000007',
    type: 'InvoiceVoided',
    schemaVersion: 1,
    aggregateType: 'invoice',
    aggregateId: 'inv_1',
    aggregateVersion: 2,
    occurredAt: '2026-12-01',
    recordedAt: '2026-12-01T10:00:00.000Z',
    correlationId: 'c1',
    causationId: null,
    traceparent: null,
    actor: 'test',
    source: 'accrue',
    externalId: null,
    data,
  }) as unknown as StoredEvent;

describe('shareStoredEvent', () => {
  it('validates once for every reader: each gets the validated, frozen event readStoredEvent gives for it', () => {
    const shared = shareStoredEvent(raw({}));
    expect(shared).toEqual(readStoredEvent(raw({})));
    expect(shared.data).toEqual({ reason: '' });
    expect(readStoredEvent(shared)).toBe(shared);
    expect(Object.isFrozen(shared.data)).toBe(true);
  });

  it('an invalid event stays invalid for every reader', () => {
    const shared = shareStoredEvent(raw({ reason: 1 }));
    expect(() => readStoredEvent(shared)).toThrow('invalid InvoiceVoided payload');
    expect(() => readStoredEvent(shared)).toThrow('invalid InvoiceVoided payload');
    expect(Object.isFrozen(shared)).toBe(true);
  });
});
