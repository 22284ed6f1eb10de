import pg from 'pg';
import { BOSS_SCHEMA, giveBossSchema } from './giveBossSchema.ts';
import { ValidationError } from '../errors.ts';

/**
 * Tables whose rows are facts: the runtime role may read and append, never change,
 * delete or truncate them. Operator and audit actions are events, so `events` covers
 * them. A table added by a later migration gets the default grants below unless it
 * is named here.
 */
export const APPEND_ONLY_TABLES = ['events', 'event_keys', 'event_external_ids', 'ledger_entries', 'ledger_period_locks', 'failed_job_archive', 'failed_job_replays'] as const;
/** Read by readiness (are migrations current?), written only by `accrue migrate`. */
const READ_ONLY_TABLES = ['schema_migrations'] as const;

export type RuntimeRole = { user: string; password?: string };

/** The role (and password) a connection URL logs in as. */
export function roleOfUrl(url: string): RuntimeRole {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  if (!user) throw new ValidationError('DATABASE_URL names no user: the runtime role must be explicit when ACCRUE_MIGRATE_DATABASE_URL is set', [{ field: 'DATABASE_URL', message: 'names no user' }]);
  return { user, ...(u.password ? { password: decodeURIComponent(u.password) } : {}) };
}

/**
 * Run by `accrue migrate` as the owner, after the migrations, so tables added by any
 * migration are covered. When the runtime role is the connected role (one URL for
 * everything, the single-role setup) it only makes sure pg-boss's schema exists.
 *
 * The runtime role gets, in this database only (roles are cluster-wide, grants are
 * not, so several accrue databases on one server share a role safely):
 * - SELECT, INSERT, UPDATE, DELETE on accrue's tables; SELECT, INSERT on the
 *   append-only ones (SELECT only on their partitions); SELECT on views and schema_migrations; USAGE on sequences;
 *   EXECUTE on functions. No TRUNCATE, no ownership (so no ALTER … DISABLE TRIGGER),
 *   no CREATE on schema public.
 * - the `pgboss` schema, which it owns. pg-boss creates a partition table per queue
 *   when a queue is created, and a partition can only be attached by the owner of its
 *   parent table; queues follow the configured subscribers, so they are created at
 *   start by relay and worker, not by migrate. pg-boss's tables are the runtime's
 *   machinery (jobs in flight, retried from the outbox/inbox rules), not the books.
 */
export async function grantRuntimeRole(client: pg.ClientBase, runtime: RuntimeRole | undefined, log?: (msg: string) => void): Promise<void> {
  const me = await client.query<{ user: string; super: boolean; createrole: boolean }>(
    `SELECT current_user AS user, rolsuper AS super, rolcreaterole AS createrole FROM pg_roles WHERE rolname = current_user`,
  );
  const owner = me.rows[0]!;
  if (!runtime || runtime.user === owner.user) {
    // Checked first: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [BOSS_SCHEMA]);
    if (!exists.rowCount) await client.query(`CREATE SCHEMA ${BOSS_SCHEMA}`);
    return;
  }
  const role = pg.escapeIdentifier(runtime.user);
  await ensureRole(client, runtime, owner, log);
  const target = await client.query<{ super: boolean }>(`SELECT rolsuper AS super FROM pg_roles WHERE rolname = $1`, [runtime.user]);
  // Granting to a superuser changes nothing it can do; the processes warn at start instead.
  if (target.rows[0]?.super) {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${BOSS_SCHEMA} AUTHORIZATION ${role}`);
    return;
  }
  // CREATE SCHEMA … AUTHORIZATION and ALTER … OWNER TO need the owner to be able to act
  // as the runtime role (a superuser always can). Membership this way round gives the
  // runtime role nothing.
  if (!owner.super) {
    const member = await client.query<{ ok: boolean }>(`SELECT pg_has_role(current_user, $1, 'MEMBER') AS ok`, [runtime.user]);
    if (!member.rows[0]!.ok) await client.query(`GRANT ${role} TO CURRENT_USER`);
  }
  await client.query('BEGIN');
  try {
    await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(await currentDatabase(client))} TO ${role}`);
    await client.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
    await client.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`);
    // From a clean slate each time, so the grants are exactly these whatever was there.
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`);
    const relations = await client.query<{ name: string; kind: string; root: string | null }>(
      `SELECT c.relname AS name, c.relkind::text AS kind,
              CASE WHEN c.relispartition THEN (SELECT r.relname FROM pg_class r WHERE r.oid = pg_partition_root(c.oid)) END AS root
       FROM pg_class c
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`,
    );
    for (const r of relations.rows) {
      await client.query(`GRANT ${runtimePrivileges(r)} ON public.${pg.escapeIdentifier(r.name)} TO ${role}`);
    }
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`);
    await client.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`);
    await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ${role}`);
    await giveBossSchema(client, runtime.user);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw new Error(`granting role ${runtime.user} its privileges failed: ${(err as Error).message}`, { cause: err });
  }
  // PostgreSQL before 15 lets every role create in schema public; the runtime role must not.
  const create = await client.query<{ ok: boolean }>(`SELECT has_schema_privilege($1, 'public', 'CREATE') AS ok`, [runtime.user]);
  if (create.rows[0]!.ok) {
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC').catch(() => {});
    const again = await client.query<{ ok: boolean }>(`SELECT has_schema_privilege($1, 'public', 'CREATE') AS ok`, [runtime.user]);
    if (again.rows[0]!.ok) log?.(`role ${runtime.user} may still create tables in schema public: revoke CREATE on it from PUBLIC as the schema's owner`);
  }
}

/**
 * What the runtime role may do with one relation. A partition of an append-only table
 * (ledger_entries_2027_01) gets SELECT only: rows go in through the parent, whose
 * statement triggers (closed periods, posted totals) a direct insert would skip.
 * create_history_partitions (migration 130) grants new partitions the same.
 */
export function runtimePrivileges(r: { name: string; kind: string; root?: string | null }): string {
  const isTable = r.kind === 'r' || r.kind === 'p';
  if (!isTable || (READ_ONLY_TABLES as readonly string[]).includes(r.name)) return 'SELECT';
  const appendOnly = APPEND_ONLY_TABLES as readonly string[];
  if (r.root) return appendOnly.includes(r.root) ? 'SELECT' : 'SELECT, INSERT, UPDATE, DELETE';
  return appendOnly.includes(r.name) ? 'SELECT, INSERT' : 'SELECT, INSERT, UPDATE, DELETE';
}

async function currentDatabase(client: pg.ClientBase): Promise<string> {
  const r = await client.query<{ db: string }>('SELECT current_database() AS db');
  return r.rows[0]!.db;
}

/** Creates the runtime role when missing and the owner may, with the URL's password. */
async function ensureRole(client: pg.ClientBase, runtime: RuntimeRole, owner: { user: string; super: boolean; createrole: boolean }, log?: (msg: string) => void): Promise<void> {
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [runtime.user]);
  if (exists.rowCount) return;
  if (!owner.super && !owner.createrole) {
    throw new ValidationError(
      `role ${runtime.user} (the user of DATABASE_URL) does not exist and ${owner.user} may not create roles: ` +
        `create it first (CREATE ROLE ${runtime.user} LOGIN PASSWORD '…'), then run accrue migrate again`,
      [{ field: 'DATABASE_URL', message: `role ${runtime.user} does not exist` }],
    );
  }
  const password = runtime.password === undefined ? '' : ` PASSWORD ${pg.escapeLiteral(runtime.password)}`;
  try {
    await client.query(`CREATE ROLE ${pg.escapeIdentifier(runtime.user)} LOGIN${password}`);
    log?.(`created role ${runtime.user}`);
  } catch (err) {
    // Another database's migrate on the same server created it at the same moment.
    const code = (err as { code?: string }).code;
    if (code !== '42710' && code !== '23505') throw err;
  }
}
