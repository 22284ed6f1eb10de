import type { Figure } from '../lib/types.ts';
import { benchDailyRecognition } from '../dailyRecognitionBench.ts';
import { round } from '../lib/stats.ts';

/**
 * Issue 6 figure 7: the daily recognition run (runDailyRecognition) over 100,000
 * active service lines (quick: 10,000), seconds for one day forward; the month-end
 * crossing and the same-day rerun are kept in the detail. bench/dailyRecognitionBench.ts
 * seeds the lines straight into the books of a scratch database on the same server.
 */
export const recognitionRun: Figure = {
  key: 'recognitionRun',
  title: 'Daily recognition run',
  async run(ctx) {
    const lines = ctx.quick ? 10_000 : 100_000;
    const task = ctx.progress.task(`recognition: daily run over ${lines} lines`, 1);
    const r = await benchDailyRecognition(ctx.adminUrl, lines);
    task.done();
    return {
      status: 'measured',
      summary: { lines, seconds: round(r.oneDay.ms / 1000, 2) },
      detail: { ...r },
    };
  },
};
