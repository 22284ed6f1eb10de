import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../src/events/export/exportEvents.ts';
import { spawnAccrue, type AccrueProcess } from '../helpers/accrueProcess.ts';
import { appendTestEvents } from '../helpers/appendTestEvent.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/**
 * Issue 15: `accrue export events --month` writes exactly the events recorded in that
 * month, as JSON Lines or CSV, with a `sha256sum -c` checksum file that matches the
 * bytes; a bad month is one line and exit code 2. Costs: one test database, four
 * short `accrue` processes.
 */
const exited = (p: AccrueProcess) =>
  new Promise<number | null>((resolve) => (p.proc.exitCode !== null ? resolve(p.proc.exitCode) : p.proc.once('exit', (code) => resolve(code))));

describe('accrue export events', () => {
  let t: TestDatabase;
  let dir: string;
  const march: string[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'accrue-export-'));
    // This month's events, and three recorded in March 2024 (inserted as the owner with their recorded_at).
    await appendTestEvents(t.db, [{
      type: 'InvoiceCreated', aggregateId: 'inv_now', aggregateVersion: 1, occurredAt: '2026-01-01',
      data: { customerId: 'cus', currency: 'USD', lines: [{ lineId: 'l', kind: 'revenue', description: '', amount: 100 }] },
    }]);
    for (let i = 0; i < 3; i++) {
      const { rows } = await sql<{ event_id: string }>`
        INSERT INTO events (event_id, type, schema_version, aggregate_type, aggregate_id, occurred_at, recorded_at, correlation_id, actor, data)
        VALUES (gen_random_uuid(), 'CustomerCreated', 1, 'customer', ${`cus_${i}`}, '2024-03-05', ${`2024-03-0${i + 1}T10:00:00Z`}::timestamptz, 'c', 'test',
                ${JSON.stringify({ customerId: `cus_${i}`, name: `Name, "quoted" ${i}` })}::jsonb)
        RETURNING event_id`.execute(t.owner);
      march.push(rows[0]!.event_id);
    }
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.drop();
  });

  const run = async (args: string[]) => {
    const p = spawnAccrue(['export', 'events', ...args], { DATABASE_URL: t.url, LOG_LEVEL: 'warn', ACCRUE_DATA_DIR: dir });
    return { code: await exited(p), stdout: p.stdout, stderr: p.stderr() };
  };

  it('writes the month as JSON Lines with a matching checksum file', async () => {
    const out = path.join(dir, 'events-2024-03.jsonl');
    const r = await run(['--month', '2024-03', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const body = readFileSync(out);
    const lines = body.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { eventId: string; data: unknown });
    expect(lines.map((e) => e.eventId)).toEqual(march);
    const sha = createHash('sha256').update(body).digest('hex');
    expect(readFileSync(`${out}.sha256`, 'utf8')).toBe(`${sha}  events-2024-03.jsonl\n`);
    expect(JSON.parse(r.stdout.at(-1)!)).toMatchObject({ month: '2024-03', format: 'jsonl', events: 3, sha256: sha });
  });

  it('writes CSV with a header and quoted fields', async () => {
    const out = path.join(dir, 'events-2024-03.csv');
    const r = await run(['--month', '2024-03', '--format', 'csv', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').split('\r\n').filter((l) => l.length > 0);
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain(march[0]);
    // data is the stored jsonb (its key order), quoted with its quotes doubled.
    expect(rows[1]).toContain('"{""name"":""Name, \\""quoted\\"" 0"",""customerId"":""cus_0""}"');
  });

  it('an empty month is an empty file; a bad month is one line and exit code 2', async () => {
    const out = path.join(dir, 'empty.jsonl');
    const empty = await run(['--month', '2023-01', '--out', out]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('');
    const bad = await run(['--month', '2024-13']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('accrue: --month must be YYYY-MM, got "2024-13"');
  });
});
