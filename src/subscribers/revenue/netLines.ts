import type { InvoiceLine } from '../../events/schemas/invoiceEvents.ts';
import type { NetLine } from './recognition.ts';

/** One version of an invoice as the books see it. */
export type NetInvoice = {
  currency: string;
  total: number;
  tax: number;
  netRevenue: number;
  lines: NetLine[];
};

/**
 * Splits an invoice's lines into what the books need: tax is never revenue; each
 * discount reduces the line it names, or else all positive revenue lines in
 * proportion to their amounts by largest remainder (ties to the earlier line), so
 * 100 off 3 x 1000 gives 34/33/33. Revenue lines are then recognised on their net.
 */
export function netInvoice(currency: string, lines: readonly InvoiceLine[]): NetInvoice {
  const revenue = lines.filter((l) => l.kind === 'revenue');
  const net = new Map(revenue.map((l) => [l.lineId, l.amount]));
  const orphans: NetLine[] = [];
  for (const d of lines.filter((l) => l.kind === 'discount')) {
    if (d.appliesToLineId !== undefined && net.has(d.appliesToLineId)) {
      net.set(d.appliesToLineId, net.get(d.appliesToLineId)! + d.amount);
      continue;
    }
    const shares = allocateLargestRemainder(d.amount, revenue.filter((l) => l.amount > 0).map((l) => ({ id: l.lineId, weight: l.amount })));
    if (shares.size === 0) {
      // No positive revenue line to carry it: the discount reduces revenue on issue,
      // so AR = Deferred + Tax still holds.
      orphans.push({ lineId: d.lineId, amount: d.amount });
      continue;
    }
    for (const [id, share] of shares) net.set(id, net.get(id)! + share);
  }
  const netLines: NetLine[] = [
    ...revenue.map((l) => ({ lineId: l.lineId, amount: net.get(l.lineId)!, ...(l.servicePeriod ? { servicePeriod: l.servicePeriod } : {}) })),
    ...orphans,
  ];
  const total = lines.reduce((s, l) => s + l.amount, 0);
  const tax = lines.filter((l) => l.kind === 'tax').reduce((s, l) => s + l.amount, 0);
  return { currency, total, tax, netRevenue: total - tax, lines: netLines };
}

/** Splits `amount` over weights: floor shares, then the remainder one unit at a time by largest fraction. */
export function allocateLargestRemainder(amount: number, weights: readonly { id: string; weight: number }[]): Map<string, number> {
  const out = new Map<string, number>();
  const sum = weights.reduce((s, w) => s + w.weight, 0);
  if (sum <= 0 || weights.length === 0) return out;
  const sign = amount < 0 ? -1 : 1;
  const abs = BigInt(Math.abs(amount));
  const big = BigInt(sum);
  const parts = weights.map((w, index) => {
    const exact = abs * BigInt(w.weight);
    return { id: w.id, index, floor: exact / big, remainder: exact % big };
  });
  let left = abs - parts.reduce((s, p) => s + p.floor, 0n);
  const order = [...parts].sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const p of order) {
    if (left === 0n) break;
    p.floor += 1n;
    left -= 1n;
  }
  for (const p of parts) out.set(p.id, sign * Number(p.floor));
  return out;
}
