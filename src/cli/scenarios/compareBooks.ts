import type { ScenarioActual } from '../../reports/scenarioActual.ts';

export const COMPARED_FIELDS = ['months', 'revenueByMonth', 'closingBalances', 'netMovementByPeriod', 'revenueEvents', 'invoiceState'] as const;

export type Difference = { path: string; expected: unknown; actual: unknown };

/** Every leaf where actual differs from expected, over the compared fields only (journal is a reference). */
export function compareBooks(expected: Record<string, unknown>, actual: ScenarioActual): Difference[] {
  const out: Difference[] = [];
  for (const field of COMPARED_FIELDS) diff(field, expected[field], actual[field], out);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function diff(at: string, expected: unknown, actual: unknown, out: Difference[]): void {
  if (isObject(expected) && isObject(actual)) {
    for (const k of new Set([...Object.keys(expected), ...Object.keys(actual)])) diff(`${at}.${k}`, expected[k], actual[k], out);
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (JSON.stringify(expected) !== JSON.stringify(actual)) out.push({ path: at, expected, actual });
    return;
  }
  if (expected !== actual) out.push({ path: at, expected, actual });
}

export function formatDifferences(differences: readonly Difference[]): string {
  const show = (v: unknown) => (v === undefined ? '(missing)' : JSON.stringify(v));
  return differences.map((d) => `  ${d.path}\n    expected ${show(d.expected)}\n    actual   ${show(d.actual)}`).join('\n');
}
