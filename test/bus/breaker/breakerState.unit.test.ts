import { describe, expect, it } from 'vitest';
import { admit, afterFailure, afterSuccess, closedState, type BreakerPolicy } from '../../../src/bus/breaker/breakerState.ts';

const policy: BreakerPolicy = { failureThreshold: 3, coolDownMs: 30_000, probeLeaseMs: 10_000 };
const t0 = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('circuit breaker state machine', () => {
  it('stays closed below the threshold and opens on the Nth consecutive failure', () => {
    let s = closedState;
    s = afterFailure(s, t0, 'boom', policy);
    s = afterFailure(s, t0, 'boom', policy);
    expect(s.state).toBe('closed');
    expect(admit(s, t0, policy).kind).toBe('pass');
    s = afterFailure(s, at(5), 'boom 3', policy);
    expect(s).toMatchObject({ state: 'open', failures: 3, openedAt: at(5), nextAttemptAt: at(30_005), lastError: 'boom 3' });
  });

  it('a success in between resets the count: failures must be consecutive', () => {
    let s = afterFailure(afterFailure(closedState, t0, 'x', policy), t0, 'x', policy);
    s = afterSuccess(s);
    s = afterFailure(s, t0, 'x', policy);
    expect(s).toMatchObject({ state: 'closed', failures: 1 });
  });

  it('defers calls while open, with the time left until the probe', () => {
    const open = afterFailure({ ...closedState, failures: 2 }, t0, 'x', policy);
    expect(admit(open, at(10_000), policy)).toEqual({ kind: 'defer', until: at(30_000), retryAfterMs: 20_000 });
  });

  it('after the cool-down lets one probe through, holding a lease that defers the rest', () => {
    const open = afterFailure({ ...closedState, failures: 2 }, t0, 'x', policy);
    const probe = admit(open, at(30_000), policy);
    expect(probe.kind).toBe('probe');
    if (probe.kind !== 'probe') return;
    expect(probe.next).toMatchObject({ state: 'half_open', nextAttemptAt: at(40_000) });
    expect(admit(probe.next, at(31_000), policy)).toMatchObject({ kind: 'defer', retryAfterMs: 9_000 });
    // A probe whose worker died: after its lease another one may go.
    expect(admit(probe.next, at(40_000), policy).kind).toBe('probe');
  });

  it('a failed probe reopens for a new cool-down; a good one closes', () => {
    const halfOpen = { ...closedState, state: 'half_open' as const, failures: 3, nextAttemptAt: at(40_000) };
    expect(afterFailure(halfOpen, at(31_000), 'still down', policy)).toMatchObject({
      state: 'open',
      failures: 4,
      openedAt: at(31_000),
      nextAttemptAt: at(61_000),
    });
    expect(afterSuccess(halfOpen)).toMatchObject({ state: 'closed', failures: 0, nextAttemptAt: null, openedAt: null });
  });

  it('a late failure of a call started before the breaker opened does not extend the cool-down', () => {
    const open = afterFailure({ ...closedState, failures: 2 }, t0, 'x', policy);
    expect(afterFailure(open, at(1_000), 'late', policy)).toMatchObject({ state: 'open', failures: 4, nextAttemptAt: at(30_000) });
  });
});
