import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Executor } from '../../db/connect.ts';
import { firstOpenDay, holdPeriodsShared } from './ledger/periodLocks.ts';
import { recognizeDueLines } from './ledger/recognizeDueLines.ts';

export type RecognitionRun = { horizon: string; lines: number; entries: number; batches: number };

// 10,000 lines per transaction: large enough that per-statement overhead vanishes,
// small enough that a crash loses seconds of work and locks stay short.
const DEFAULT_BATCH = 10_000;

/**
 * The daily job: posts recognition for every service day before `today` not yet
 * posted. Each batch commits on its own, so the run is resumable after a crash and
 * idempotent (a second run the same day finds nothing due). The bus registers it on
 * a pg-boss schedule (see revenueSchedules).
 */
export async function runDailyRecognition(db: Kysely<Database>, today: string, options: { batchSize?: number } = {}): Promise<RecognitionRun> {
  const run: RecognitionRun = { horizon: today, lines: 0, entries: 0, batches: 0 };
  for (;;) {
    const batch = await db.transaction().execute(async (tx) => {
      await holdPeriodsShared(tx);
      return recognizeDueLines(tx, {
        horizon: today,
        firstOpenDay: await firstOpenDay(tx),
        correlationId: `daily-recognition:${today}`,
        limit: options.batchSize ?? DEFAULT_BATCH,
      });
    });
    if (batch.lines === 0) return run;
    run.lines += batch.lines;
    run.entries += batch.entries;
    run.batches += 1;
  }
}

/** Recognition up to `horizon` inside the caller's transaction (period close). */
export async function recognizeThrough(db: Executor, horizon: string, correlationId: string): Promise<RecognitionRun> {
  const run: RecognitionRun = { horizon, lines: 0, entries: 0, batches: 0 };
  const floor = await firstOpenDay(db);
  for (;;) {
    const batch = await recognizeDueLines(db, { horizon, firstOpenDay: floor, correlationId, limit: DEFAULT_BATCH });
    if (batch.lines === 0) return run;
    run.lines += batch.lines;
    run.entries += batch.entries;
    run.batches += 1;
  }
}
