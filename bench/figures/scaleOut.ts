import os from 'node:os';
import type { Figure } from '../lib/types.ts';
import { drainPipeline, type DrainResult } from '../lib/drainPipeline.ts';
import { spread } from '../lib/rounds.ts';

/** Issue 10's scale-out table: worker processes with one relay, then relays with one worker. */
export const SCALE_COMBINATIONS = [
  { workers: 1, relays: 1 },
  { workers: 2, relays: 1 },
  { workers: 4, relays: 1 },
  { workers: 1, relays: 2 },
] as const;

/**
 * Issue 10: the pipeline drain (revenue subscriber, default bus settings per process)
 * with 1, 2 and 4 worker processes behind one relay, and 1 and 2 relays in front of
 * one worker; N/20 events (at least 2,000 or N) per drain. The combinations run
 * round-robin, twice (at most --repeat; once with --quick), so a slow minute hits
 * all of them; each one's events/s is the median of its drains. On a machine of C
 * cores, processes beyond C share cores with each other and Postgres: the table
 * says where adding one stops paying, and the cores are named next to it.
 */
export const scaleOut: Figure = {
  key: 'scale',
  title: 'Scale-out: worker and relay processes',
  async run(ctx) {
    const events = Math.max(Math.min(2_000, ctx.events), Math.round(ctx.events / 20));
    // Twelve drains of ~30 s each would be a quarter of the full run: twice is enough for a range.
    const repeat = ctx.quick ? 1 : Math.min(ctx.repeat, 2);
    const drains: DrainResult[][] = SCALE_COMBINATIONS.map(() => []);
    for (let r = 1; r <= repeat; r++) {
      for (const [i, c] of SCALE_COMBINATIONS.entries()) {
        drains[i]!.push(
          await drainPipeline(ctx, events, {
            label: `scale ${c.workers}w/${c.relays}r (${r}/${repeat})`,
            prefix: `scale_${c.workers}w${c.relays}r_r${r}`,
            workers: c.workers,
            relays: c.relays,
          }),
        );
      }
    }
    const rows = SCALE_COMBINATIONS.map((c, i) => ({ ...c, eventsPerSec: spread(drains[i]!.map((d) => d.eventsPerSec))!.median }));
    return {
      status: 'measured',
      summary: { rows },
      detail: {
        cores: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        eventsPerDrain: events,
        combinations: SCALE_COMBINATIONS.map((c, i) => ({
          ...c,
          spread: spread(drains[i]!.map((d) => d.eventsPerSec)),
          serverWaits: drains[i]!.at(-1)!.serverWaits,
          deadlocks: drains[i]!.reduce((a, d) => a + d.deadlocks, 0),
          failedAttempts: drains[i]!.reduce((a, d) => a + d.failedAttempts, 0),
        })),
      },
    };
  },
};
