import { describe, expect, it } from 'vitest';
import type { Subscriber, SubscriberContext } from '../../../src/bus/contract/subscriber.ts';
import { dispatchEvent } from '../../../src/bus/contract/dispatchEvent.ts';
import { ValidationError } from '../../../src/errors.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';

// Unit: no database; the context's db is never touched by these subscribers.
const ctx = { db: undefined, log: silentLogger, now: new Date('2026-01-02T00:00:00Z') } as unknown as SubscriberContext;

const raw = {
  position: 1,
  eventId: '01939c6e-0000-7000-8000-000000000001',
  type: 'InvoiceVoided',
  schemaVersion: 1,
  aggregateType: 'invoice',
  aggregateId: 'inv_1',
  aggregateVersion: 2,
  occurredAt: '2026-01-02',
  recordedAt: '2026-01-02T00:00:00.000Z',
  correlationId: 'c',
  causationId: null,
  traceparent: null,
  actor: 'test',
  source: 'api',
  externalId: null,
  data: { reason: 'duplicate' },
};

function collecting(name: string, types: Subscriber['eventTypes'], seen: string[]): Subscriber {
  return { name, eventTypes: types, async handle(event) { seen.push(`${name}:${event.type}`); } };
}

describe('dispatchEvent (in memory, same validation as the worker)', () => {
  it('hands a valid event to the subscribers of its type only', async () => {
    const seen: string[] = [];
    const subs = [collecting('a', ['InvoiceVoided'], seen), collecting('b', ['InvoiceCreated'], seen)];
    expect(await dispatchEvent(subs, raw, ctx)).toEqual(['a']);
    expect(seen).toEqual(['a:InvoiceVoided']);
  });

  it('refuses a payload that breaks its schema', async () => {
    const seen: string[] = [];
    const subs = [collecting('a', ['InvoiceVoided'], seen)];
    await expect(dispatchEvent(subs, { ...raw, data: { reason: 42 } }, ctx)).rejects.toBeInstanceOf(ValidationError);
    expect(seen).toEqual([]);
  });

  it('refuses a poison payload before any subscriber sees it', async () => {
    const seen: string[] = [];
    const subs = [collecting('a', ['InvoiceVoided'], seen)];
    await expect(dispatchEvent(subs, { ...raw, type: 'NoSuchEvent' }, ctx)).rejects.toBeInstanceOf(ValidationError);
    await expect(dispatchEvent(subs, { hello: 'world' }, ctx)).rejects.toBeInstanceOf(ValidationError);
    expect(seen).toEqual([]);
  });
});
