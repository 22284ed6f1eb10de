import type { BreakerStateName } from '../../db/tables/subscriberTables.ts';

/**
 * The circuit breaker as a pure state machine; circuitBreaker.ts stores it.
 *
 *   closed --N consecutive failures--> open --cool-down over--> half_open (one probe)
 *   half_open --probe succeeds--> closed;   half_open --probe fails--> open again
 *
 * A probe holds a lease (nextAttemptAt) while it runs: a worker that dies mid-probe
 * does not leave the breaker half-open for ever; after the lease another may probe.
 */
export type BreakerState = {
  state: BreakerStateName;
  failures: number;
  openedAt: Date | null;
  nextAttemptAt: Date | null;
  lastError: string | null;
  lastFailureAt: Date | null;
};

export type BreakerPolicy = {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long it stays open before one probe is let through. */
  coolDownMs: number;
  /** How long a probe may run before another worker may probe instead. */
  probeLeaseMs: number;
};

export type Admission =
  | { kind: 'pass' }
  | { kind: 'probe'; next: BreakerState }
  | { kind: 'defer'; until: Date; retryAfterMs: number };

export const closedState: BreakerState = {
  state: 'closed',
  failures: 0,
  openedAt: null,
  nextAttemptAt: null,
  lastError: null,
  lastFailureAt: null,
};

/** May a call go out now? */
export function admit(s: BreakerState, now: Date, policy: BreakerPolicy): Admission {
  if (s.state === 'closed') return { kind: 'pass' };
  const due = s.nextAttemptAt ?? now;
  if (due.getTime() <= now.getTime()) {
    return { kind: 'probe', next: { ...s, state: 'half_open', nextAttemptAt: new Date(now.getTime() + policy.probeLeaseMs) } };
  }
  return { kind: 'defer', until: due, retryAfterMs: due.getTime() - now.getTime() };
}

export function afterSuccess(s: BreakerState): BreakerState {
  if (s.state === 'closed' && s.failures === 0) return s;
  return { ...closedState, lastError: s.lastError, lastFailureAt: s.lastFailureAt };
}

export function afterFailure(s: BreakerState, now: Date, error: string, policy: BreakerPolicy): BreakerState {
  const failures = s.failures + 1;
  const counted = { ...s, failures, lastError: error.slice(0, 1000), lastFailureAt: now };
  // Already open: a call that started before it opened failed late; the cool-down stands.
  if (s.state === 'open') return counted;
  if (s.state === 'half_open' || failures >= policy.failureThreshold) {
    return { ...counted, state: 'open', openedAt: now, nextAttemptAt: new Date(now.getTime() + policy.coolDownMs) };
  }
  return counted;
}
