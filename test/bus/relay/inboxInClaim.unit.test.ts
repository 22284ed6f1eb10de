import { describe, expect, it } from 'vitest';
import { assertInboxClaimsApplied, claimedInboxOf, inboxClaimCtes } from '../../../src/bus/relay/inboxInClaim.ts';

const row = (eventId: string, claimed: string[], fresh: string[]) => ({ event_id: eventId, inbox_claimed: claimed, inbox_new: fresh });

describe("what the relay's claim did with the inbox (inboxInClaim)", () => {
  it('gives the new ids of a queue whose every event the claim claimed; a row already there is not new', () => {
    const rows = [row('A', ['revenue', 'analytics'], ['revenue']), row('B', ['revenue'], ['revenue']), row('C', ['analytics'], [])];
    expect(claimedInboxOf('revenue', rows.slice(0, 2), rows)).toEqual(new Set(['a', 'b']));
    expect(claimedInboxOf('analytics', [rows[0]!, rows[2]!], rows)).toEqual(new Set());
  });

  it('leaves the claim to the apply when the statement claimed nothing for the queue (a batch too big, an old event)', () => {
    const rows = [row('A', [], []), { event_id: null }];
    expect(claimedInboxOf('revenue', rows, rows)).toBeUndefined();
  });

  it('refuses a queue the claim claimed only some events of, or events the queue does not apply', () => {
    const rows = [row('A', ['revenue'], ['revenue']), row('B', [], [])];
    expect(() => claimedInboxOf('revenue', rows, rows)).toThrow(/1 events for revenue, which applies 2/);
    expect(() => claimedInboxOf('revenue', [rows[1]!], rows)).toThrow(/which applies 1 \(0 of them claimed\)/);
  });

  it('refuses inbox rows claimed for a queue the batch does not apply here', () => {
    const rows = [row('A', ['revenue'], ['revenue'])];
    expect(() => assertInboxClaimsApplied(rows, new Set())).toThrow(/for revenue/);
    expect(() => assertInboxClaimsApplied(rows, new Set(['revenue']))).not.toThrow();
  });

  it("takes each queue's inbox gate before its locks and its rows, queues in name order, names quoted", () => {
    const text = inboxClaimCtes(new Map<string, ((r: string) => string) | null>([["o'brien", null], ['analytics', (r) => `lock_all(${r})`]]), 16);
    expect(text).toContain("s.subscriber IN ('analytics', 'o''brien')");
    expect(text).toContain('b.n <= 16 AND b.recent');
    const analytics = text.indexOf("hashtext('accrue.inbox:analytics')");
    expect(analytics).toBeGreaterThan(0);
    expect(text.indexOf("lock_all((SELECT * FROM applying WHERE subscriber = 'analytics'))")).toBeGreaterThan(analytics);
    expect(text.indexOf("hashtext('accrue.inbox:o''brien')")).toBeGreaterThan(analytics);
  });
});
