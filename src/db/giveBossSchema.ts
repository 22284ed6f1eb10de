import pg from 'pg';

/** pg-boss's schema (its default name; startBoss uses the default). */
export const BOSS_SCHEMA = 'pgboss';

/**
 * Makes the runtime role the owner of schema pgboss and of everything in it (an
 * install made before the owner and runtime roles were split belongs to the single role of that time).
 */
export async function giveBossSchema(client: pg.ClientBase, user: string): Promise<void> {
  const role = pg.escapeIdentifier(user);
  const schema = await client.query<{ owner: string }>(`SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = $1`, [BOSS_SCHEMA]);
  if (schema.rowCount === 0) {
    await client.query(`CREATE SCHEMA ${BOSS_SCHEMA} AUTHORIZATION ${role}`);
    return;
  }
  await client.query(`ALTER SCHEMA ${BOSS_SCHEMA} OWNER TO ${role}`);
  const owned = await client.query<{ stmt: string }>(
    `SELECT format('ALTER %s %s OWNER TO %I',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
              c.oid::regclass, $2::text) AS stmt
       FROM pg_class c
      WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p', 'S', 'v', 'm') AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
        -- sequences of identity/serial columns follow their table
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND c.relkind = 'S')
     UNION ALL
     SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $2::text)
       FROM pg_proc p WHERE p.pronamespace = $1::regnamespace AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = $2)
     UNION ALL
     SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, $2::text)
       FROM pg_type t
      WHERE t.typnamespace = $1::regnamespace AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = $2) AND t.typtype IN ('e', 'd', 'c')
        AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
    [BOSS_SCHEMA, user],
  );
  for (const { stmt } of owned.rows) await client.query(stmt);
}
