import type { BookEvent } from './invoiceTimeline.ts';

/**
 * A book event as the event store of the books stores its body (revenue_book_events.body;
 * the event id is the row's key): `effectiveOn` only when it is not `occurredAt`,
 * `version` only when there is one, and each line of a create or update positional,
 * [lineId, kind, amount, serviceStart, serviceEnd, appliesToLineId] without the trailing
 * ones it does not have (a line of another shape is kept as it is). Every event of a
 * drain writes one such row; the keys were ~a third of its bytes (issue 10, ninth step).
 * Bodies stored before (every field named) read the same.
 */
export function storedBookEventBody(event: BookEvent): Record<string, unknown> {
  const { eventId: _key, effectiveOn, version, data, ...rest } = event;
  const body: Record<string, unknown> = { ...rest };
  if (effectiveOn !== event.occurredAt) body.effectiveOn = effectiveOn;
  if (version !== null) body.version = version;
  body.data = Array.isArray(data.lines) ? { ...data, lines: data.lines.map(compactLine) } : data;
  return body;
}

/** A stored body (either form) as the book event it was. */
export function readStoredBookEvent(eventId: string, body: Record<string, unknown>): BookEvent {
  const data = (body.data ?? {}) as Record<string, unknown>;
  const occurredAt = body.occurredAt as string;
  return {
    eventId,
    type: body.type as BookEvent['type'],
    occurredAt,
    effectiveOn: (body.effectiveOn as string | undefined) ?? occurredAt,
    version: (body.version as number | null | undefined) ?? null,
    data: Array.isArray(data.lines) ? { ...data, lines: data.lines.map(expandLine) } : data,
  };
}

type StoredLine = [string, string, number, (string | null)?, (string | null)?, string?];

function compactLine(line: unknown): unknown {
  if (!isPlainLine(line)) return line;
  const out: StoredLine = [line.lineId, line.kind, line.amount, line.servicePeriod?.start ?? null, line.servicePeriod?.end ?? null];
  if (line.appliesToLineId !== undefined) out.push(line.appliesToLineId);
  while (out.length > 3 && out[out.length - 1] === null) out.pop();
  return out;
}

function expandLine(line: unknown): unknown {
  if (!Array.isArray(line)) return line;
  const [lineId, kind, amount, start, end, appliesToLineId] = line as StoredLine;
  const out: Record<string, unknown> = { lineId, kind, amount };
  if (start != null && end != null) out.servicePeriod = { start, end };
  if (appliesToLineId !== undefined) out.appliesToLineId = appliesToLineId;
  return out;
}

type PlainLine = { lineId: string; kind: string; amount: number; servicePeriod?: { start: string; end: string }; appliesToLineId?: string };

/** A line with exactly bookFacts' fields, of their types: the only kind stored positionally. */
function isPlainLine(line: unknown): line is PlainLine {
  if (typeof line !== 'object' || line === null || Array.isArray(line)) return false;
  const l = line as Record<string, unknown>;
  for (const k of Object.keys(l)) if (!['lineId', 'kind', 'amount', 'servicePeriod', 'appliesToLineId'].includes(k)) return false;
  if (typeof l.lineId !== 'string' || typeof l.kind !== 'string' || typeof l.amount !== 'number') return false;
  if (l.appliesToLineId !== undefined && typeof l.appliesToLineId !== 'string') return false;
  if (l.servicePeriod === undefined) return true;
  const p = l.servicePeriod as Record<string, unknown> | null;
  return typeof p === 'object' && p !== null && Object.keys(p).length === 2 && typeof p.start === 'string' && typeof p.end === 'string';
}
