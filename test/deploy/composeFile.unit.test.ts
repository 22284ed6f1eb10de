import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUS_NODE_OPTIONS } from '../../src/runtime/nodeOptions.ts';

/**
 * What docker-compose.yml and the Dockerfile promise an operator (issue 9, "Keys and
 * deliveries"), read as text: no Docker engine runs here (`docker-compose config`
 * checks the file by hand, README). Costs: two file reads.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const lines = compose.split('\n').filter((l) => !l.trimStart().startsWith('#'));

describe('docker-compose.yml', () => {
  it("runs relay and worker with the bus processes' heap settings the bench measures (BUS_NODE_OPTIONS), the API with V8's defaults", () => {
    // A service's block: from its key to the next key at its indentation or above.
    const service = (name: string) => {
      const start = compose.indexOf(`\n  ${name}:`);
      const end = compose.slice(start + 1).search(/\n {0,2}[a-z]/);
      return compose.slice(start, end < 0 ? undefined : start + 1 + end);
    };
    for (const name of ['relay', 'worker']) expect(service(name)).toContain(`NODE_OPTIONS: ${BUS_NODE_OPTIONS}\n`);
    expect(service('api')).toContain('command: ["api"]');
    expect(service('api')).not.toContain('NODE_OPTIONS');
  });

  it('has no default secret: the bootstrap token and both database passwords are required (${VAR:?...})', () => {
    expect(compose).toMatch(/ACCRUE_BOOTSTRAP_TOKEN: \$\{ACCRUE_BOOTSTRAP_TOKEN:\?[^}]+\}/);
    expect(compose).not.toMatch(/\$\{ACCRUE_BOOTSTRAP_TOKEN:-/);
    expect(lines.join('\n')).not.toMatch(/change-me/i);
    expect(compose).toMatch(/POSTGRES_PASSWORD: \$\{ACCRUE_DB_OWNER_PASSWORD:\?/);
    expect(compose).not.toMatch(/POSTGRES_PASSWORD: accrue\b/);
  });

  it('gives api, relay and worker the runtime role only; migrate alone gets the owner URL', () => {
    expect(compose).toMatch(/DATABASE_URL: postgres:\/\/accrue_app:\$\{ACCRUE_APP_DB_PASSWORD:\?[^}]+\}@postgres:5432\/accrue/);
    const ownerUrls = lines.filter((l) => l.includes('ACCRUE_MIGRATE_DATABASE_URL'));
    expect(ownerUrls).toHaveLength(1);
    const migrate = compose.slice(compose.indexOf('\n  migrate:'), compose.indexOf('\n  api:'));
    expect(migrate).toContain('ACCRUE_MIGRATE_DATABASE_URL: postgres://accrue:');
  });

  it('publishes the API on 127.0.0.1 by default and nothing else', () => {
    const published = lines.filter((l) => /^\s+- "[^"]*:3000"$/.test(l) || /^\s+- "?\d+:\d+"?$/.test(l));
    expect(published).toEqual(['      - "${ACCRUE_PUBLISH_ADDRESS:-127.0.0.1}:${ACCRUE_PUBLISH_PORT:-3000}:3000"']);
    expect(lines.filter((l) => /^\s+ports:/.test(l))).toHaveLength(1);
  });

  it('has no version key, a notifications volume the worker writes to, and healthchecks on PORT / ACCRUE_OPS_PORT', () => {
    expect(compose).not.toMatch(/^version:/m);
    expect(compose).toMatch(/ACCRUE_NOTIFY_FILE: \/var\/lib\/accrue\/notifications\//);
    expect(compose).toMatch(/- notifications:\/var\/lib\/accrue\/notifications/);
    expect(compose).toMatch(/^ {2}notifications:$/m);
    expect(compose).toContain('ACCRUE_OPS_PORT: "9464"');
    expect(compose).toContain("'http://127.0.0.1:'+process.env.ACCRUE_OPS_PORT+'/readyz'");
    expect(compose).toContain("'http://127.0.0.1:'+process.env.PORT+'/readyz'");
    expect(compose).not.toContain('127.0.0.1:3000/readyz');
  });
});

describe('Dockerfile', () => {
  it('probes the ops port every process serves, and makes the notifications directory writable', () => {
    expect(dockerfile).toMatch(/ACCRUE_OPS_PORT=9464/);
    expect(dockerfile).toContain("process.env.ACCRUE_OPS_PORT||process.env.PORT");
    expect(dockerfile).toMatch(/mkdir -p \/var\/lib\/accrue\/notifications && chown -R node:node \/var\/lib\/accrue/);
  });
});
