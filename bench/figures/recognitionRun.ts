import { pending, type Figure } from '../lib/types.ts';

/**
 * Issue 6 figure 7: the daily recognition run over 100,000 active service lines
 * (quick: 10,000), seconds.
 *
 * Pending: needs the revenue ledger and its daily run (revenue branch). To plug in:
 * seed the lines through the revenue subscriber's tables, time one run for a day,
 * return { lines, seconds }.
 */
export const recognitionRun: Figure = {
  key: 'recognitionRun',
  title: 'Daily recognition run',
  async run(ctx) {
    return pending({ lines: ctx.quick ? 10_000 : 100_000, seconds: null }, 'not measured (pending): needs the revenue recognition run');
  },
};
