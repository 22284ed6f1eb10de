import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScopes } from '../../src/auth/scopes.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startApi } from '../../src/runtime/startApi.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

let t: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'accrue-api-'));
});
afterAll(async () => {
  await t.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('startApi (what `accrue api` runs)', () => {
  it('serves over HTTP, prints where things are, and creates the local token once', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ACCRUE_DATA_DIR: dataDir });
    const database = { url: t.url, embedded: true, stop: async () => {} };
    const lines: string[] = [];
    const api = await startApi({ config, log: silentLogger, database, print: (l) => lines.push(l) });
    let token: string;
    try {
      expect(lines[0]).toContain(`${api.url}/v1`);
      expect(lines[1]).toContain('/docs');
      expect(lines[2]).toContain(`${api.url}/console`);
      expect(lines[3]).toContain('embedded');
      token = (await readFile(path.join(dataDir, 'local-token'), 'utf8')).trim();
      expect(lines[4]).toContain(token);
      expect((await stat(path.join(dataDir, 'local-token'))).mode & 0o777).toBe(0o600);
      const res = await fetch(`${api.url}/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Http', email: 'http@example.com' }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-correlation-id')).toBeTruthy();
      const big = await fetch(`${api.url}/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), email: 'a@example.com' }),
      });
      expect(big.status).toBe(413);
      // The probes and the scrape answer without a token, over the real socket.
      expect((await fetch(`${api.url}/livez`)).status).toBe(200);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`${api.url}/metrics`)).text();
      expect(metrics).toContain('accrue_http_server_request_duration_seconds_count{method="POST",route="/v1/customers",status_code="201"} 1');
      expect(metrics).toContain('status_code="413"');
    } finally {
      await api.close();
    }
    const again = await startApi({ config, log: silentLogger, database, print: () => {} });
    await again.close();
    expect((await readFile(path.join(dataDir, 'local-token'), 'utf8')).trim()).toBe(token);
    const keys = await t.db.selectFrom('api_keys').select('name').execute();
    expect(keys).toEqual([{ name: 'local' }]);
  });

  it('with ACCRUE_OPS_PORT, serves the probes and /metrics there and keeps /metrics off the public port', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ACCRUE_OPS_PORT: '0', ACCRUE_DATA_DIR: dataDir });
    const lines: string[] = [];
    const api = await startApi({ config, log: silentLogger, database: { url: t.url, embedded: false, stop: async () => {} }, print: (l) => lines.push(l) });
    try {
      const ops = /ops\s+(http:\/\/\S+)\/metrics/.exec(lines.join('\n'))?.[1];
      expect(ops).toBeDefined();
      expect(ops).not.toBe(api.url);
      expect((await fetch(`${ops}/metrics`)).status).toBe(200);
      expect((await fetch(`${ops}/readyz`)).status).toBe(200);
      expect((await fetch(`${ops}/livez`)).status).toBe(200);
      expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${api.url}/readyz`)).status).toBe(200);
    } finally {
      await api.close();
    }
  });

  it('parses --scopes and refuses unknown ones', () => {
    expect(parseScopes('invoices:read, admin,invoices:read')).toEqual(['invoices:read', 'admin']);
    expect(() => parseScopes('invoices:reed')).toThrow(/scopes must be/);
    expect(() => parseScopes('')).toThrow();
  });
});
