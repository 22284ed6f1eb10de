import { z } from 'zod';
import { identifier, safeText } from '../primitives.ts';
import { SCOPES } from './scopes.ts';

// Operator actions (aggregate 'operator'): who changed how accrue runs, kept as
// events so the audit trail has them with their actor. Period closes are the
// PeriodClosed event already. Never a token or a secret in here.

export const ApiKeyCreated = z
  .object({
    keyId: identifier,
    name: safeText(200).pipe(z.string().min(1)),
    scopes: z.array(z.enum(SCOPES)).min(1),
    // Absent on keys that never expire (and on every key created before expiry existed).
    expiresAt: z.iso.datetime().optional(),
  })
  .strict();

/** A key refused from now on (`accrue api-key revoke`, POST /v1/api-keys/{id}/revoke). */
export const ApiKeyRevoked = z.object({ keyId: identifier, name: safeText(200).pipe(z.string().min(1)) }).strict();

/** The archive filter as given (times as ISO strings); see src/bus/archive/archiveFilter.ts. */
const replayFilter = z
  .object({
    subscriber: z.string().min(1).max(200).optional(),
    queue: z.string().min(1).max(200).optional(),
    type: z.string().min(1).max(200).optional(),
    error: z.string().min(1).max(200).optional(),
    since: z.iso.datetime().optional(),
    until: z.iso.datetime().optional(),
    ids: z.array(z.string().max(64)).max(100_000).optional(),
    includeReplayed: z.boolean().optional(),
    limit: z.number().int().min(1).optional(),
  })
  .strict();

/**
 * One per replay transaction (a replay sends at most 500 rows per transaction):
 * `matched` is what the whole replay matched, `replayed` and `archiveIds` what this
 * transaction sent back to the queues.
 */
export const ArchiveReplayed = z
  .object({
    filter: replayFilter,
    matched: z.number().int().min(0),
    replayed: z.number().int().min(0),
    archiveIds: z.array(z.number().int().min(1)).max(10_000),
  })
  .strict();
