import cliProgress from 'cli-progress';

export type Task = { update(value: number): void; increment(by?: number): void; done(): void };
/**
 * `live`: the bars are drawn (stderr is a terminal). A figure that would poll the
 * database only to move a bar asks this first: otherwise the poll's cost lands in the
 * figure with nothing shown for it.
 */
export type Progress = { live: boolean; task(label: string, total: number): Task; stop(): void };

/**
 * Progress bars on stderr (stdout stays clean for the table or --json). When stderr is
 * not a terminal, one line per finished task instead of redrawn bars.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return {
      live: false,
      task(label, total) {
        const started = performance.now();
        return {
          update() {},
          increment() {},
          done() {
            stream.write(`  ${label}: ${total} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
          },
        };
      },
      stop() {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {bar} {percentage}% | {value}/{total} | {duration_formatted} | {label}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    live: true,
    task(label, total) {
      const bar = multi.create(total, 0, { label });
      return {
        update: (v) => bar.update(v),
        increment: (by = 1) => bar.increment(by),
        done: () => {
          bar.update(total);
          bar.stop();
        },
      };
    },
    stop: () => multi.stop(),
  };
}
