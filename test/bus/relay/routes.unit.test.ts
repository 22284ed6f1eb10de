import { describe, expect, it } from 'vitest';
import { buildRoutes, routeEvents } from '../../../src/bus/relay/routes.ts';

describe('subscription map', () => {
  const routes = buildRoutes([
    { name: 'revenue', eventTypes: ['InvoiceCreated', 'InvoicePaid'] },
    { name: 'analytics', eventTypes: ['InvoiceCreated'] },
  ]);

  it('sends each event to every subscriber that takes its type, in order', () => {
    const byQueue = routeEvents(routes, [
      { type: 'InvoiceCreated', n: 1 },
      { type: 'InvoicePaid', n: 2 },
      { type: 'CustomerCreated', n: 3 },
    ]);
    expect(byQueue.get('revenue')!.map((e) => e.n)).toEqual([1, 2]);
    expect(byQueue.get('analytics')!.map((e) => e.n)).toEqual([1]);
    expect(byQueue.size).toBe(2);
  });

  it('refuses two subscribers with one name', () => {
    expect(() => buildRoutes([{ name: 'a', eventTypes: [] }, { name: 'a', eventTypes: [] }])).toThrow(/two subscribers/);
  });
});
