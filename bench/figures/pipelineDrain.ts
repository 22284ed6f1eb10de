import { pending, type Figure } from '../lib/types.ts';

/**
 * Issue 6 figure 4: ctx.events events already in the outbox moved through relay,
 * queues and the revenue subscriber into the ledger; events/s.
 *
 * Pending: needs the relay and worker (bus branch) and the revenue subscriber
 * (revenue branch). To plug in: appendEvents() N InvoiceCreated events in batches of
 * 1,000 (one transaction each) with no relay running; then start relay + worker and
 * time until the inbox holds N rows for the revenue subscriber (progress: poll that
 * count). Return { eventsPerSec }; run.ts computes ratioToPgBoss against the bare
 * pg-boss drain of the same N (PG_BOSS_BASELINE in pgBossBaseline.ts).
 */
export const pipelineDrain: Figure = {
  key: 'pipeline',
  title: 'accrue pipeline drain (outbox → ledger)',
  async run() {
    return pending({ eventsPerSec: null }, 'not measured (pending): needs relay, worker and revenue subscriber');
  },
};
