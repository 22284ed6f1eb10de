import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { appendEvents, readStream } from '../../src/events/appendEvents.ts';
import { readStoredEvent } from '../../src/events/envelope.ts';
import { ValidationError } from '../../src/errors.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

const ctx = { correlationId: 'corr-1', actor: 'test' };
const created = {
  type: 'InvoiceCreated' as const,
  aggregateId: 'inv_1',
  aggregateVersion: 1,
  occurredAt: '2026-01-01',
  data: {
    customerId: 'cus_1',
    currency: 'USD',
    lines: [{ lineId: 'l1', kind: 'revenue', description: 'Plan', amount: 1000 }],
  },
};

describe('event store', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('appends an event with its envelope and queues it in the outbox', async () => {
    const [result] = await appendEvents(t.db, [created], ctx);
    expect(result!.inserted).toBe(true);
    const e = result!.event;
    expect(e.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/); // UUIDv7
    expect(e).toMatchObject({ type: 'InvoiceCreated', schemaVersion: 1, aggregateType: 'invoice', correlationId: 'corr-1', actor: 'test' });
    const outbox = await t.db.selectFrom('outbox').selectAll().where('position', '=', e.position).execute();
    expect(outbox).toHaveLength(1);
    expect(readStoredEvent(e).data).toEqual({ ...created.data, lines: [{ ...created.data.lines[0] }] });
  });

  // As the owner: its triggers hold even for the role that may UPDATE the table (the
  // runtime role has no such grant at all: test/db/leastPrivilege.test.ts).
  it('refuses UPDATE, DELETE and TRUNCATE of events at the database level', async () => {
    await expect(sql`UPDATE events SET data = '{}'::jsonb`.execute(t.owner)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM events`.execute(t.owner)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE events CASCADE`.execute(t.owner)).rejects.toThrow(/append-only/);
    const count = await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBeGreaterThan(0);
  });

  it('validates payloads when written and names the field', async () => {
    const bad = { ...created, data: { ...created.data, currency: 'usd' } };
    const err = await appendEvents(t.db, [bad], ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]!.field).toBe('data.currency');
  });

  it('stores an imported event once per (source, externalId)', async () => {
    const imported = { ...created, aggregateId: 'inv_ext', source: 'import', externalId: 'e1' };
    const first = await appendEvents(t.db, [imported], ctx);
    const second = await appendEvents(t.db, [imported], ctx);
    expect(first[0]!.inserted).toBe(true);
    expect(second[0]!.inserted).toBe(false);
    expect(second[0]!.event.eventId).toBe(first[0]!.event.eventId);
    expect(await readStream(t.db, 'invoice', 'inv_ext')).toHaveLength(1);
  });

  it('a failing transaction leaves neither the event nor its outbox row', async () => {
    const before = await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await expect(
      t.db.transaction().execute(async (tx) => {
        await appendEvents(tx, [{ ...created, aggregateId: 'inv_rollback' }], ctx);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const after = await t.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect(await readStream(t.db, 'invoice', 'inv_rollback')).toHaveLength(0);
  });
});
