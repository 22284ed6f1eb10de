import { readStoredEvent } from '../../events/envelope.ts';
import type { BatchJob, EventJob, JobOutcome } from './batchJob.ts';

export type Triage = {
  /** Payloads that are no valid event: retrying cannot fix them. */
  poison: Extract<JobOutcome, { kind: 'poison' }>[];
  /** The other jobs, in lock order. */
  events: EventJob[];
};

/**
 * Sorts a batch before anything touches the database (pure): poison payloads out,
 * the rest in lock order, and a second job of an event already in the batch (a
 * replay beside the original) marked duplicate, so it runs once.
 */
export function triageJobs(jobs: readonly BatchJob[]): Triage {
  const poison: Triage['poison'] = [];
  const events: EventJob[] = [];
  for (const job of jobs) {
    try {
      events.push({ job, event: readStoredEvent(job.data), duplicate: false });
    } catch (error) {
      poison.push({ kind: 'poison', job, error });
    }
  }
  // Every transaction takes per-aggregate locks (the revenue ledger's invoice lock) in
  // the same order, so two batches in flight can no longer deadlock on them: pg-boss
  // hands out jobs by creation time, and one relay batch's jobs (same created_on) split
  // an invoice's events across both batches. A bench drain of 100,000 events saw 14-29
  // deadlocks, each stalling two batches for deadlock_timeout (1 s). Stable: an
  // aggregate's events keep their position order, and an event's jobs their batch order.
  events.sort(byAggregateThenPosition);
  const seen = new Set<string>();
  for (const e of events) {
    const id = e.event.eventId.toLowerCase();
    e.duplicate = seen.has(id);
    seen.add(id);
  }
  return { poison, events };
}

function byAggregateThenPosition(a: EventJob, b: EventJob): number {
  const x = a.event;
  const y = b.event;
  if (x.aggregateType !== y.aggregateType) return x.aggregateType < y.aggregateType ? -1 : 1;
  if (x.aggregateId !== y.aggregateId) return x.aggregateId < y.aggregateId ? -1 : 1;
  return x.position - y.position;
}
