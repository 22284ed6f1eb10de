import { sql } from 'kysely';
import type { Executor } from './connect.ts';

/**
 * Who the process is in the database. `ownsTables`: it owns accrue's tables (or is a
 * member of their owner), so it could ALTER them, disable their append-only triggers
 * or grant itself anything: it is not the least-privileged runtime role.
 */
export type DatabaseRole = { role: string; superuser: boolean; ownsTables: boolean };

export async function readDatabaseRole(db: Executor): Promise<DatabaseRole> {
  const r = await sql<DatabaseRole>`
    SELECT current_user::text AS role,
           (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
           coalesce(pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = to_regclass('public.events')), 'USAGE'), false) AS "ownsTables"`.execute(db);
  return r.rows[0]!;
}

/** The warning for a role that is more than the runtime needs, or undefined. */
export function privilegeWarning(role: DatabaseRole): string | undefined {
  if (!role.superuser && !role.ownsTables) return undefined;
  const what = role.superuser ? 'a superuser' : "the owner of accrue's tables";
  return (
    `DATABASE_URL connects as ${role.role}, ${what}: the append-only tables are protected only by triggers it may disable. ` +
    'Point DATABASE_URL at a runtime role and ACCRUE_MIGRATE_DATABASE_URL at the owner (README, "Database roles")'
  );
}
