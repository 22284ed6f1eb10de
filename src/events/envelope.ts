import { z } from 'zod';
import { eventTypes, isEventType, type EventType } from './eventTypes.ts';
import { upcast } from './upcasters.ts';
import { ValidationError, type FieldIssue } from '../errors.ts';

export const storedEventShape = z.object({
  position: z.number().int(),
  eventId: z.uuid(),
  type: z.string().refine(isEventType, { message: 'unknown event type' }),
  schemaVersion: z.number().int().min(1),
  aggregateType: z.string(),
  aggregateId: z.string(),
  aggregateVersion: z.number().int().nullable(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  correlationId: z.string(),
  causationId: z.string().nullable(),
  traceparent: z.string().nullable(),
  actor: z.string(),
  source: z.string(),
  externalId: z.string().nullable(),
  // An object; its fields are its type's schema's to check (parseEventData). Not
  // z.record, which copied the payload key by key before that schema copied it again
  // (a worker validates every event it applies: ~1.5 % of its busy time).
  data: z.custom<Record<string, unknown>>(isPlainObject, { error: (issue) => `Invalid input: expected record, received ${kindOf(issue.input)}` }),
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * An event as stored and as subscribers receive it (DESIGN.md "Events"): the envelope
 * storedEventShape checks, with the type narrowed and `data` as its contract gives it.
 */
export type StoredEvent<T extends EventType = EventType> = Omit<z.infer<typeof storedEventShape>, 'type' | 'data'> & {
  type: T;
  data: z.output<(typeof eventTypes)[T]['data']>;
};

export function zodIssues(error: z.ZodError, prefix: (string | number)[] = []): FieldIssue[] {
  return withUnionBranches(error.issues).map((i) => ({
    field: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))].join('.') || '(root)',
    message: i.message,
  }));
}

type Issue = z.core.$ZodIssue;

/**
 * A union (one event or an array of them) fails as a whole, at its own path; when
 * exactly one branch got past the value's type (the object when an object came, the
 * array when an array came), its issues are what the caller got wrong: `type`, not `(root)`.
 */
function withUnionBranches(issues: readonly Issue[]): Issue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union') return [issue];
    const meant = issue.errors.filter((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
    if (meant.length !== 1) return [issue];
    return withUnionBranches(meant[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}

/**
 * The schemas as they are parsed: zod's ahead-of-time compiled clones (z.compile),
 * made on first use. A valid input takes generated code; an invalid one falls back to
 * the schema's own parser, so its issues are the ones the schema gives. A worker
 * validates every event it reads (envelope and payload): the runtime parser's
 * dispatch per check (refinements, pipes, defaults) made that 16 % of its busy time
 * in a 30,000-event drain, compiled 2.8 %; an InvoiceCreated payload of two lines took
 * ~9 µs, compiled ~3 µs. Writes are checked by them too (parseEventData, through
 * toEventRows). The published schemas (eventTypes) stay as they are: their JSON Schema
 * and their refusals are the contract (test/events/compiledSchemas.unit.test.ts holds
 * each compiling in full, and its outputs and issues equal to the schema's).
 */
const compiledData = new Map<EventType, z.ZodType>();

function dataSchema(type: EventType): z.ZodType {
  let schema = compiledData.get(type);
  if (schema === undefined) compiledData.set(type, (schema = z.compile(eventTypes[type].data)));
  return schema;
}

let compiledEnvelope: typeof storedEventShape | undefined;

/** Validates `data` against the current schema of its type; throws ValidationError naming the field. */
export function parseEventData<T extends EventType>(type: T, data: unknown, fieldPrefix: (string | number)[] = ['data']) {
  const result = dataSchema(type).safeParse(data);
  if (!result.success) {
    throw new ValidationError(`invalid ${type} payload`, zodIssues(result.error, fieldPrefix));
  }
  return result.data as z.output<(typeof eventTypes)[T]['data']>;
}

/**
 * Reads an event as a subscriber gets it (e.g. a job payload): checks the envelope,
 * upcasts old schema versions and validates the payload. A failure here is a poison
 * message: retrying cannot fix it. An event shareStoredEvent validated is returned as
 * it is (frozen): one validation serves every reader in the process.
 */
export function readStoredEvent(raw: unknown): StoredEvent {
  if (typeof raw === 'object' && raw !== null && validatedShared.has(raw)) return raw as StoredEvent;
  return parseStoredEvent(raw);
}

function parseStoredEvent(raw: unknown): StoredEvent {
  const envelope = (compiledEnvelope ??= z.compile(storedEventShape)).safeParse(raw);
  if (!envelope.success) throw new ValidationError('invalid event envelope', zodIssues(envelope.error));
  // zod's output is a fresh object: completed in place (same keys, same order as a copy).
  const e = envelope.data as { type: string; schemaVersion: number; data: unknown };
  const type = e.type as EventType;
  const current = eventTypes[type].schemaVersion;
  const data = e.schemaVersion < current ? upcast(type, e.schemaVersion, current, e.data as Record<string, unknown>) : e.data;
  e.schemaVersion = current;
  e.data = parseEventData(type, data);
  return e as unknown as StoredEvent;
}

// Events shareStoredEvent validated: already what readStoredEvent returns.
const validatedShared = new WeakSet<object>();

/**
 * A stored event for several readers in one process (the worker's eventReadCache),
 * validated once for all of them: its validated form (readStoredEvent's), frozen
 * deeply, which readStoredEvent then returns as it is. A worker running three
 * subscribers read each event three times (the cost of zod, tripled). Frozen, it
 * cannot change after it was validated, nor can one reader change it for another.
 * An event that is no valid event is returned as it came, frozen: each reader's
 * readStoredEvent fails it, as before.
 */
export function shareStoredEvent(raw: StoredEvent): StoredEvent {
  let event: StoredEvent;
  try {
    event = parseStoredEvent(raw);
  } catch {
    return deepFreeze(raw);
  }
  validatedShared.add(deepFreeze(event));
  return event;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
