import { describe, expect, it } from 'vitest';
import { natsSubject, streamSubjects } from '../../../src/bus/nats/natsSubject.ts';

describe('natsSubject', () => {
  it('is <prefix>.<aggregateType>.<eventType>', () => {
    expect(natsSubject('accrue.events', 'invoice', 'InvoiceIssued')).toBe('accrue.events.invoice.InvoiceIssued');
    expect(streamSubjects('accrue.events')).toEqual(['accrue.events.>']);
  });

  it('never publishes on a wildcard or an extra token', () => {
    expect(natsSubject('p', 'a.b', '>')).toBe('p.a_b._');
    expect(natsSubject('p', '*', 'x y')).toBe('p._.x_y');
    expect(natsSubject('p', '', 'T')).toBe('p._.T');
  });
});
