import { uuidv7 } from '../values/uuidv7.ts';
import type { Executor } from '../db/connect.ts';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../errors.ts';
import { appendEvents, type EventContext } from '../events/appendEvents.ts';
import { todayUtc } from '../values/dates.ts';
import type { CustomerRow } from './customer.ts';

export type CustomerInput = { name: string; email: string; externalId?: string };

function duplicateExternalId(err: unknown, externalId: string | undefined): never {
  if ((err as { code?: string }).code === '23505' && externalId !== undefined) {
    throw new ConflictError(`a customer with externalId ${externalId} already exists`, { cause: err });
  }
  throw err;
}

/** Inserts the customer and its CustomerCreated event on the caller's transaction. */
export async function createCustomer(tx: Executor, input: CustomerInput, ctx: EventContext, now: Date): Promise<CustomerRow> {
  const id = `cus_${uuidv7()}`;
  const row = await tx
    .insertInto('customers')
    .values({ id, name: input.name, email: input.email, external_id: input.externalId ?? null })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err: unknown) => duplicateExternalId(err, input.externalId));
  await appendEvents(tx, [{ type: 'CustomerCreated', aggregateId: id, aggregateVersion: 1, occurredAt: todayUtc(now), data: input }], ctx);
  return row;
}

/** Applies a partial change; with `expectedVersion` a stale caller gets 412. */
export async function updateCustomer(
  tx: Executor,
  id: string,
  changes: Partial<CustomerInput>,
  expectedVersion: number | undefined,
  ctx: EventContext,
  now: Date,
): Promise<CustomerRow> {
  const current = await tx.selectFrom('customers').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  if (!current) throw new NotFoundError(`customer ${id} not found`);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new PreconditionFailedError(`customer ${id} is at version ${current.version}, not ${expectedVersion}`);
  }
  const version = current.version + 1;
  const row = await tx
    .updateTable('customers')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.email !== undefined ? { email: changes.email } : {}),
      ...(changes.externalId !== undefined ? { external_id: changes.externalId } : {}),
      version,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err: unknown) => duplicateExternalId(err, changes.externalId));
  await appendEvents(tx, [{ type: 'CustomerUpdated', aggregateId: id, aggregateVersion: version, occurredAt: todayUtc(now), data: changes }], ctx);
  return row;
}

export async function findCustomer(db: Executor, id: string): Promise<CustomerRow | null> {
  return (await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function listCustomers(db: Executor, f: { after?: string; limit: number }): Promise<{ items: CustomerRow[]; nextCursor: string | null }> {
  let q = db.selectFrom('customers').selectAll().orderBy('id').limit(f.limit + 1);
  if (f.after) q = q.where('id', '>', f.after);
  const rows = await q.execute();
  const items = rows.slice(0, f.limit);
  return { items, nextCursor: rows.length > f.limit ? items.at(-1)!.id : null };
}
