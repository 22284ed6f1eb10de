import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Executor } from '../../db/connect.ts';
import { toStoredEvent } from '../appendEvents.ts';
import type { StoredEvent } from '../envelope.ts';
import { firstDayOfMonth, nextMonth } from '../../values/dates.ts';

export type ExportFormat = 'jsonl' | 'csv';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['jsonl', 'csv'];

/** The envelope's fields in CSV column order; `data` is its JSON. */
export const CSV_COLUMNS = [
  'position', 'eventId', 'type', 'schemaVersion', 'aggregateType', 'aggregateId', 'aggregateVersion', 'occurredAt',
  'recordedAt', 'correlationId', 'causationId', 'traceparent', 'actor', 'source', 'externalId', 'data',
] as const satisfies readonly (keyof StoredEvent)[];

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One exported line (with its newline): the stored envelope as JSON, or as an RFC 4180 CSV row. */
export function formatEvent(event: StoredEvent, format: ExportFormat): string {
  return format === 'jsonl' ? `${JSON.stringify(event)}\n` : `${CSV_COLUMNS.map((c) => csvField(event[c])).join(',')}\r\n`;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\r\n`;
}

/**
 * The events recorded in one UTC month (the month a monthly partition of `events` holds),
 * in position order, `pageSize` per read so any month streams in bounded memory.
 */
export async function* eventsOfMonth(db: Executor, month: string, pageSize = 5000): AsyncGenerator<StoredEvent> {
  const from = `${firstDayOfMonth(month)}T00:00:00Z`;
  const to = `${firstDayOfMonth(nextMonth(month))}T00:00:00Z`;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('events')
      .selectAll()
      .where('recorded_at', '>=', sql<Date>`${from}::timestamptz`)
      .where('recorded_at', '<', sql<Date>`${to}::timestamptz`)
      .where('position', '>', after)
      .orderBy('position')
      .limit(pageSize)
      .execute();
    for (const row of rows) yield toStoredEvent(row);
    if (rows.length < pageSize) return;
    after = Number(rows[rows.length - 1]!.position);
  }
}

/**
 * Writes a month of events through `write` (a file or stdout) and returns the count and
 * the SHA-256 of exactly the bytes written, for the checksum file next to the export.
 */
export async function exportMonth(
  db: Executor,
  options: { month: string; format: ExportFormat },
  write: (chunk: string) => Promise<void>,
): Promise<{ events: number; sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  let buffered = '';
  const out = async (text: string, flush = false) => {
    buffered += text;
    if (!flush && buffered.length < 1 << 16) return;
    hash.update(buffered);
    bytes += Buffer.byteLength(buffered);
    await write(buffered);
    buffered = '';
  };
  let events = 0;
  if (options.format === 'csv') await out(csvHeader());
  for await (const event of eventsOfMonth(db, options.month)) {
    await out(formatEvent(event, options.format));
    events++;
  }
  await out('', true);
  return { events, sha256: hash.digest('hex'), bytes };
}
