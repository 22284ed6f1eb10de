import type pg from 'pg';
import type { CompiledQuery } from 'kysely';
import { executeStatement, prepareOnSession, withGenericPlan } from '../../db/sessionStatements.ts';
import type { PlannedRead } from '../contract/subscriber.ts';

/**
 * SubscriberContext.readPlannedOnce on the relay's session: the read is PREPAREd the
 * first time the session sees its text (one round trip, once per session), then sent
 * as `EXECUTE name(literals)` with the cached generic plan asked for around it only,
 * in one round trip, as the claim is. The relay's sessions plan their other statements
 * per call (connect's customPlans); the revenue books read, planned per call, spent
 * longer in planning than in running (docs/performance.md, "Twelfth step (a)").
 */
export function plannedOnceRead(client: pg.ClientBase): PlannedRead {
  return async <R>(query: CompiledQuery<R>) => {
    const name = await prepareOnSession(client, 'read', query.sql);
    const results = (await client.query(withGenericPlan(executeStatement(name, query.parameters)))) as unknown as pg.QueryResult[];
    return results[1]!.rows as R[];
  };
}
