import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAccrue, statusOf, waitFor, type AccrueProcess } from '../helpers/accrueProcess.ts';
import { freePort } from '../helpers/freePort.ts';
import { countRows, invoiceBody } from '../helpers/testApi.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/**
 * Issue 15: several `accrue api` processes on one database (what a load balancer in
 * front of N of them does) neither lose nor double a write: the same Idempotency-Key
 * sent to every process at once has one effect and one answer, and keyless writes
 * spread over them all land once each. Costs: one test database, 3 API processes,
 * 200 requests.
 */
describe('three API processes writing at once', () => {
  let t: TestDatabase;
  const apis: AccrueProcess[] = [];
  const bases: string[] = [];
  const token = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'accrue-many-api-'));
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  beforeAll(async () => {
    t = await createTestDatabase();
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      apis.push(spawnAccrue(['api'], { DATABASE_URL: t.url, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ACCRUE_DATA_DIR: dataDir, ACCRUE_BOOTSTRAP_TOKEN: token }));
      bases.push(`http://127.0.0.1:${port}`);
    }
    for (const base of bases) await waitFor(`${base}/readyz`, async () => (await statusOf(`${base}/readyz`)) === 200, 60_000);
  }, 90_000);
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.stop()));
    await t?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = async (base: string, route: string, body: unknown, extra: Record<string, string> = {}) => {
    const res = await fetch(`${base}${route}`, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { id?: string } };
  };

  it('loses nothing and writes nothing twice', async () => {
    const customer = await post(bases[0]!, '/v1/customers', { name: 'Many', email: 'many@example.com' });
    expect(customer.status).toBe(201);
    const before = await countRows(t);

    // 40 keys, each sent once to every process and twice to one of them, all at once;
    // 80 keyless writes round-robin over the processes alongside.
    const keyed = Array.from({ length: 40 }, (_, k) => {
      const body = invoiceBody(customer.body.id!, { dueDate: `2026-02-${String((k % 28) + 1).padStart(2, '0')}` });
      const targets = [...bases, bases[k % bases.length]!];
      return Promise.all(targets.map((base) => post(base, '/v1/invoices', body, { 'idempotency-key': `many-${k}` })));
    });
    const keyless = Array.from({ length: 80 }, (_, i) => post(bases[i % bases.length]!, '/v1/invoices', invoiceBody(customer.body.id!)));
    const [answers, plain] = await Promise.all([Promise.all(keyed), Promise.all(keyless)]);

    for (const same of answers) {
      expect(same.map((a) => a.status)).toEqual([201, 201, 201, 201]);
      expect(new Set(same.map((a) => a.body.id)).size).toBe(1);
    }
    expect(new Set(answers.map((same) => same[0]!.body.id)).size).toBe(40);
    expect(plain.map((a) => a.status)).toEqual(Array(80).fill(201));
    expect(new Set(plain.map((a) => a.body.id)).size).toBe(80);

    const after = await countRows(t);
    expect(after.invoices - before.invoices).toBe(120);
    expect(after.events - before.events).toBe(120);
    expect(after.idempotency_keys - before.idempotency_keys).toBe(40);
  });
});
