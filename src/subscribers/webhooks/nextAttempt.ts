/**
 * What follows attempt `attempt` (1-based) of a delivery: done, another attempt after
 * `schedule[attempt - 1]` seconds, or failed for good once the schedule is used up
 * (ACCRUE_WEBHOOK_RETRY_SCHEDULE: 6 retries by default, so 7 attempts over ~17 h).
 */
export type NextStep = { status: 'succeeded' } | { status: 'pending'; retryInSeconds: number } | { status: 'failed' };

export function nextStep(attempt: number, ok: boolean, schedule: readonly number[]): NextStep {
  if (ok) return { status: 'succeeded' };
  const delay = schedule[attempt - 1];
  return delay === undefined ? { status: 'failed' } : { status: 'pending', retryInSeconds: delay };
}

/** Whether an endpoint failing since `failingSince` has failed for long enough to be disabled at `now`. */
export function dueForDisabling(failingSince: Date, now: Date, disableAfterMs: number): boolean {
  return now.getTime() - failingSince.getTime() >= disableAfterMs;
}
