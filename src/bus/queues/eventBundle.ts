import { z } from 'zod';

/**
 * A bundle: one pg-boss job standing for several events for one subscriber (issue
 * 10). The relay makes one per relay batch for a subscriber that takes bundles
 * (subscriptions.takes_bundles), so a drain pays pg-boss's job row (insert, fetch,
 * complete) once per batch instead of once per event. Its data is
 * `{ positions: [...], recorded: { from, before } }`: the events' positions in the event
 * store and when they were recorded. The worker reads the events from `events` (never
 * changed or deleted), so the job row stays a few KiB instead of copying every event's
 * data through pg-boss. Every other job carries one event as its data, as before.
 *
 * `recorded` bounds the events' `recorded_at` (from <= recorded_at < before): with it the
 * worker reads them by their full key (position, recorded_at), from the partitions of
 * that span only, without asking event_keys where each position is (readEventsAt). A
 * bundle without it (written by a relay older than the field) is read as before.
 *
 * A bundle is all or nothing: the worker applies its events in one transaction with
 * the bundle's completion. If that fails, the worker splits it: the bundle completes
 * and each event is enqueued again as its own job, which then has every per-event
 * guarantee (retries, backoff, failed_attempts, the archive) exactly as if it had
 * never been bundled (src/bus/worker/applyBundles.ts).
 */
const eventBundleSchema = z.object({
  positions: z.array(z.int().positive()),
  // toISOString's form (UTC, milliseconds): one width, so two of them compare as text.
  recorded: z.object({ from: z.iso.datetime({ precision: 3 }), before: z.iso.datetime({ precision: 3 }) }).optional(),
});

export type EventBundle = z.infer<typeof eventBundleSchema>;

/** When a bundle's events were recorded: from <= recorded_at < before (ISO timestamps). */
export type RecordedSpan = NonNullable<EventBundle['recorded']>;

/** The most events one bundle stands for; a larger relay batch makes several bundles. */
export const MAX_BUNDLE_EVENTS = 1000;

// The worker asks isBundle of every job it fetches: zod's compiled clone (z.compile,
// as envelope.ts reads events) checks a 500-position bundle in ~2 µs where the runtime
// parser took ~80-110 µs (one int check per position); in a 30,000-event drain the
// runtime parse was ~1 % of the worker's busy time. Same answer: an invalid bundle
// falls back to the runtime parser.
let compiledBundle: typeof eventBundleSchema | undefined;

/** Whether a job's data is a bundle (a one-event job has an eventId; a malformed payload goes the poison way). */
export function isBundle(data: unknown): data is EventBundle {
  if (typeof data !== 'object' || data === null || 'eventId' in data) return false;
  return (compiledBundle ??= z.compile(eventBundleSchema)).safeParse(data).success;
}

/**
 * The job data for `events` on one queue: one job per event when the queue does not
 * take bundles or there is only one, else bundles of up to MAX_BUNDLE_EVENTS positions (pure).
 */
export function jobsFor<E extends { position: number; recordedAt: string }>(events: readonly E[], takesBundles: boolean): (E | EventBundle)[] {
  if (!takesBundles || events.length < 2) return [...events];
  const bundles: EventBundle[] = [];
  for (let i = 0; i < events.length; i += MAX_BUNDLE_EVENTS) {
    const members = events.slice(i, i + MAX_BUNDLE_EVENTS);
    bundles.push({ positions: members.map((e) => e.position), recorded: spanOf(members) });
  }
  return bundles;
}

/**
 * The span of the events' recorded_at, from their ISO strings (toISOString's: one width,
 * so they compare as text). `before` is a millisecond past the last: pg hands the relay
 * recorded_at as a Date, its microseconds cut to milliseconds.
 */
function spanOf(events: readonly { recordedAt: string }[]): RecordedSpan {
  let from = events[0]!.recordedAt;
  let last = from;
  for (const e of events) {
    if (e.recordedAt < from) from = e.recordedAt;
    if (e.recordedAt > last) last = e.recordedAt;
  }
  return { from, before: new Date(Date.parse(last) + 1).toISOString() };
}

/** The widest span worth reading by: a day reaches at most two monthly partitions. */
export const MAX_READ_SPAN_MS = 24 * 3600_000;

/**
 * One span covering the spans of the bundles that have one (validated: isBundle), for
 * reading them together; undefined if none has. The positions of a bundle without one
 * (an older relay's, read in the same group during a rolling deploy) fall outside it
 * and are read through event_keys after it (readEventsAt). Undefined too when the union
 * is wider than MAX_READ_SPAN_MS (a retried old bundle read with a new one, a rebuild's
 * bundles over months of history): every partition in the span is probed for each
 * position, so a wide span would cost more than the event_keys probe it spares.
 */
export function recordedSpanOf(bundles: readonly EventBundle[]): RecordedSpan | undefined {
  let span: RecordedSpan | undefined;
  for (const { recorded } of bundles) {
    if (!recorded) continue;
    span = !span ? recorded : { from: recorded.from < span.from ? recorded.from : span.from, before: recorded.before > span.before ? recorded.before : span.before };
  }
  return span && Date.parse(span.before) - Date.parse(span.from) <= MAX_READ_SPAN_MS ? span : undefined;
}
