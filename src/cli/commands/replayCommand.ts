import type { Command } from 'commander';
import { parseArchiveQuery, type ArchiveFilter } from '../../bus/archive/archiveFilter.ts';
import { ValidationError } from '../../errors.ts';
import { listArchive } from '../../bus/archive/listArchive.ts';
import { replayArchive } from '../../bus/archive/replayArchive.ts';
import { cliContext } from '../../reports/audit/operatorContext.ts';
import { connect } from '../../db/connect.ts';
import { startBoss } from '../../bus/queues/startBoss.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';
import { progressBar } from './progressBar.ts';

type Opts = {
  subscriber?: string;
  queue?: string;
  type?: string;
  since?: string;
  until?: string;
  ids?: string;
  limit?: string;
  includeReplayed?: boolean;
  dryRun?: boolean;
  json?: boolean;
};

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('send failed jobs from the archive back to their queues (each effect still applies once)')
    .option('--subscriber <name>', 'only this subscriber')
    .option('--queue <name>', 'only this queue (same as --subscriber)')
    .option('--type <eventType>', 'only events of this type')
    .option('--error <text>', 'only jobs whose error message contains this (any case)')
    .option('--since <time>', 'archived at or after (ISO 8601)')
    .option('--until <time>', 'archived before (ISO 8601)')
    .option('--ids <ids>', 'comma-separated archive ids, event ids or job ids')
    .option('--limit <n>', 'at most this many')
    .option('--include-replayed', 'also rows replayed before')
    .option('--dry-run', 'show what would be replayed, send nothing')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Opts) => {
      let filter: ArchiveFilter;
      try {
        const { dryRun: _d, json: _j, includeReplayed, ...flags } = opts;
        filter = parseArchiveQuery({ ...flags, includeReplayed: includeReplayed ? 'true' : undefined });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        exitWithError(err.issues.map((i) => `--${i.field}: ${i.message}`).join('; '), 'usage');
      }
      const { log, settings, database } = await openBusRuntime('replay');
      const handle = connect(database.url, { max: 2, applicationName: 'accrue-replay' });
      const boss = await startBoss(database.url, { role: 'client', settings, log, max: 2 });
      const bar = progressBar('replay');
      try {
        if (opts.dryRun) {
          const preview = await listArchive(handle.db, { ...filter, limit: Math.min(filter.limit ?? 20, 20) });
          const result = await replayArchive(handle.db, boss, filter, { now: new Date(), dryRun: true });
          const sample = preview.items.filter((i) => filter.includeReplayed || i.replayCount === 0);
          print(opts.json, { ...result, sample: sample.map(({ payload: _p, errorStack: _s, ...rest }) => rest) });
        } else {
          const result = await replayArchive(handle.db, boss, filter, { now: new Date(), onProgress: (d, t) => bar.update(d, t), audit: cliContext() });
          bar.stop();
          print(opts.json, result);
        }
      } finally {
        bar.stop();
        await boss.stop({ graceful: false, close: true });
        await handle.close();
        await database.stop();
      }
    });
}

function print(json: boolean | undefined, value: object): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${JSON.stringify(value, null, 2)}\n`);
}
