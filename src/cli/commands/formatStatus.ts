import type { BusStatus } from '../../bus/operator/getStatus.ts';

/** Left-aligned columns, two spaces apart. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `accrue status` for a person: the verdict first, then the outbox, queues, archive, breakers and role. `--json` keeps the object. */
export function formatStatus(s: BusStatus): string {
  const out: string[] = [];
  out.push(s.drained ? 'drained: nothing pending' : 'busy: events or jobs pending');
  out.push(`outbox    ${s.outbox.pending} pending${s.outbox.pending > 0 ? `, oldest ${s.outbox.oldestPendingSeconds} s` : ''}`);
  out.push(`archive   ${s.archive.total} failed jobs kept, ${s.archive.notReplayed} not replayed${s.archive.notReplayed > 0 ? ' (accrue replay)' : ''}`);
  out.push(`database  role ${s.database.role}${s.database.superuser ? ' (superuser)' : ''}${s.database.ownsTables ? ' (owns the tables)' : ''}`);
  if (s.database.warning) out.push(`warning   ${s.database.warning}`);
  const queues = Object.entries(s.queues).sort(([a], [b]) => a.localeCompare(b));
  out.push('');
  if (queues.length === 0) out.push('no queues yet (no relay or worker has started)');
  else {
    const n = (v: number) => String(v);
    out.push(...table(['queue', 'created', 'retry', 'active', 'failed', 'completed', 'cancelled'],
      queues.map(([name, q]) => [name, n(q.created), n(q.retry), n(q.active), n(q.failed), n(q.completed), n(q.cancelled)])));
  }
  const applied = Object.entries(s.appliedInRelay);
  if (applied.length > 0) out.push(`applied in the relay (no job): ${applied.map(([name, n]) => `${name} ${n}`).join(', ')}`);
  const breakers = Object.entries(s.breakers);
  if (breakers.length > 0) {
    out.push('');
    out.push(...table(['breaker', 'state', 'failures', 'last error'], breakers.map(([name, b]) => [name, b.state, String(b.failures), b.lastError ?? '-'])));
  }
  return `${out.join('\n')}\n`;
}
