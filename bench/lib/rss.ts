import { readFile } from 'node:fs/promises';

/** Resident set size of a process in MiB, read from /proc (Linux); this process when no pid. */
export async function rssMb(pid?: number): Promise<number> {
  if (pid === undefined) return process.memoryUsage().rss / 2 ** 20;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/**
 * Samples RSS every `intervalMs` until stop(); returns every sample. Used while a
 * worker drains, to report the peak and whether memory grows with N.
 */
export function sampleRss(pid: number | undefined, intervalMs = 250): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let busy = Promise.resolve();
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      samples.push(await rssMb(pid).catch(() => Number.NaN));
    });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      return samples.filter((s) => Number.isFinite(s));
    },
  };
}

/**
 * "Flat in N": the peak at the larger N is within 15 % (and 20 MiB) of the peak at the
 * smaller one. GC timing alone moves a Node heap by ~10 %, so a tighter bound would
 * flag noise; a leak of one object per event grows far beyond it at 10x N.
 */
export function rssGrowsWithN(peakSmallMb: number, peakLargeMb: number): boolean {
  return peakLargeMb > peakSmallMb * 1.15 && peakLargeMb - peakSmallMb > 20;
}
