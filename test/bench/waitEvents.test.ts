import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleWaitEvents } from '../../bench/lib/waitEvents.ts';
import { connect, type DbHandle } from '../../src/db/connect.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

// The e2e figure samples with the producer's own pool, whose application name it also
// samples: the sampling statement must not count itself as a producer backend on CPU.
describe('sampleWaitEvents', () => {
  let t: TestDatabase;
  let handle: DbHandle;
  beforeAll(async () => {
    t = await createTestDatabase();
    handle = connect(t.url, { max: 2, applicationName: 'accrue-bench-producer' });
  });
  afterAll(async () => {
    await handle.close();
    await t.drop();
  });

  it('leaves out its own backend, and counts another one of the sampled applications', async () => {
    const idle = sampleWaitEvents(handle.db, ['accrue-bench-producer'], 10);
    await new Promise((r) => setTimeout(r, 200));
    expect(await idle.stop()).toEqual({});

    const other = new pg.Client({ connectionString: t.url, application_name: 'accrue-bench-producer' });
    await other.connect();
    try {
      const sleeping = sampleWaitEvents(handle.db, ['accrue-bench-producer'], 10);
      await other.query('SELECT pg_sleep(0.3)');
      const counts = await sleeping.stop();
      expect(counts['accrue-bench-producer: Timeout/PgSleep']).toBeGreaterThan(0);
      expect(Object.keys(counts)).toEqual(['accrue-bench-producer: Timeout/PgSleep']);
    } finally {
      await other.end();
    }
  });
});
