import { InvariantError } from '../errors.ts';
import type { EventType } from './eventTypes.ts';

/**
 * Old schema versions are upcast on read, never rewritten in the table.
 * An upcaster takes the data of version v and returns the data of version v + 1.
 * To change a payload: bump schemaVersion in eventTypes.ts and register the step here,
 * e.g. upcasters.InvoiceCreated = { 1: (d) => ({ ...d, issuedAt: d.issuedAt ?? null }) }.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export const upcasters: Partial<Record<EventType, Record<number, Upcaster>>> = {};

export function upcast(
  type: EventType,
  fromVersion: number,
  toVersion: number,
  data: Record<string, unknown>,
  registry = upcasters,
): Record<string, unknown> {
  let current = data;
  for (let v = fromVersion; v < toVersion; v++) {
    const step = registry[type]?.[v];
    if (!step) throw new InvariantError(`no upcaster for ${type} from schema version ${v} to ${v + 1}`);
    current = step(current);
  }
  return current;
}
