import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { roleOfUrl } from '../../src/db/grantRuntimeRole.ts';
import { privilegeWarning } from '../../src/db/databaseRole.ts';

// Unit: the pure parts of the database roles (issue 9), no database.
describe('database roles', () => {
  it('an owner URL without DATABASE_URL is a configuration error naming DATABASE_URL', () => {
    expect(() => loadConfig({ ACCRUE_MIGRATE_DATABASE_URL: 'postgres://owner:pw@db/accrue' })).toThrow(/DATABASE_URL: required when ACCRUE_MIGRATE_DATABASE_URL/);
    const c = loadConfig({ DATABASE_URL: 'postgres://app:pw@db/accrue', ACCRUE_MIGRATE_DATABASE_URL: 'postgres://owner:pw@db/accrue' });
    expect(c.ACCRUE_MIGRATE_DATABASE_URL).toBe('postgres://owner:pw@db/accrue');
  });

  it('reads the runtime role and its password from DATABASE_URL, percent-decoded', () => {
    expect(roleOfUrl('postgres://accrue_app:p%40ss%2Fw@db:5432/accrue')).toEqual({ user: 'accrue_app', password: 'p@ss/w' });
    expect(roleOfUrl('postgres://accrue_app@db/accrue')).toEqual({ user: 'accrue_app' });
    expect(() => roleOfUrl('postgres://db/accrue')).toThrow(/names no user/);
  });

  it('warns about a superuser or the tables owner, not about the runtime role', () => {
    expect(privilegeWarning({ role: 'accrue_app', superuser: false, ownsTables: false })).toBeUndefined();
    expect(privilegeWarning({ role: 'postgres', superuser: true, ownsTables: true })).toMatch(/postgres, a superuser/);
    expect(privilegeWarning({ role: 'owner', superuser: false, ownsTables: true })).toMatch(/owner of accrue's tables/);
  });
});
