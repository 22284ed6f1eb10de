import { describe, expect, it } from 'vitest';
import type { BusStatus } from '../../src/bus/operator/getStatus.ts';
import { formatStatus } from '../../src/cli/commands/formatStatus.ts';

const status: BusStatus = {
  outbox: { pending: 3, oldestPendingSeconds: 1.5 },
  queues: {
    'revenue.invoice': { created: 2, retry: 1, active: 0, completed: 120, failed: 0, cancelled: 0 },
    analytics: { created: 0, retry: 0, active: 0, completed: 7, failed: 1, cancelled: 0 },
  },
  appliedInRelay: { analytics: 40, 'revenue.invoice': 310 },
  archive: { total: 1, notReplayed: 1 },
  breakers: {
    'webhook:wh_1': { state: 'open', failures: 5, openedAt: null, nextAttemptAt: null, lastError: 'HTTP 503', lastFailureAt: null, updatedAt: '2026-01-01T00:00:00Z' },
  },
  database: { role: 'accrue_app', superuser: false, ownsTables: false },
  drained: false,
};

describe('formatStatus', () => {
  it('reads as a table: verdict, outbox, archive, role, one row per queue, breakers', () => {
    const text = formatStatus(status);
    expect(text.split('\n').slice(0, 4)).toEqual([
      'busy: events or jobs pending',
      'outbox    3 pending, oldest 1.5 s',
      'archive   1 failed jobs kept, 1 not replayed (accrue replay)',
      'database  role accrue_app',
    ]);
    expect(text).toContain('queue            created  retry  active  failed  completed  cancelled\nanalytics        0        0      0       1       7          0\nrevenue.invoice  2        1      0       0       120        0\n');
    expect(text).toContain('applied in the relay (no job): analytics 40, revenue.invoice 310\n');
    expect(text).toMatch(/webhook:wh_1\s+open\s+5\s+HTTP 503/);
    expect(text).not.toContain('{');
  });

  it('says drained and names the warning of an over-privileged role', () => {
    const text = formatStatus({ ...status, drained: true, queues: {}, breakers: {}, database: { role: 'postgres', superuser: true, ownsTables: true, warning: 'connected as a superuser' } });
    expect(text).toMatch(/^drained: nothing pending\n/);
    expect(text).toContain('database  role postgres (superuser) (owns the tables)\nwarning   connected as a superuser\n');
    expect(text).toContain('no queues yet');
    expect(formatStatus({ ...status, appliedInRelay: {} })).not.toContain('applied in the relay');
  });
});
