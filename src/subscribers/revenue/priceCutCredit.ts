/**
 * What an update does to the cash already applied to an invoice's receivable
 * (REVENUE.md, FORMAT.json conventions.payments). A new total below the cash applied
 * moves the excess from AccountsReceivable to CustomerCredit, so AR never goes below
 * zero; a later update that raises the total draws that credit back first. Only the
 * credit a cut created is drawn back: an overpayment was never applied to this total.
 * Pure: the caller books `toCredit` (Dr AR / Cr CustomerCredit, negative = drawn back)
 * on the update's posting date.
 */
export function priceCutCredit(newTotal: number, applied: number, cutCredit: number): { applied: number; cutCredit: number; toCredit: number } {
  const ceiling = Math.max(newTotal, 0);
  if (applied > ceiling) {
    const excess = applied - ceiling;
    return { applied: ceiling, cutCredit: cutCredit + excess, toCredit: excess };
  }
  const drawn = Math.min(cutCredit, ceiling - applied);
  return { applied: applied + drawn, cutCredit: cutCredit - drawn, toCredit: -drawn };
}
