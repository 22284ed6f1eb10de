import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { connect } from '../../db/connect.ts';
import { EXPORT_FORMATS, exportMonth, type ExportFormat } from '../../events/export/exportEvents.ts';
import { isIsoMonth } from '../../values/dates.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';

/** A writer that waits for the stream to drain, so a large month never piles up in memory. */
function writerTo(stream: NodeJS.WritableStream): (chunk: string) => Promise<void> {
  return (chunk) =>
    new Promise((resolve, reject) => {
      if (chunk.length === 0) return resolve();
      const ok = stream.write(chunk, (err) => (err ? reject(err) : undefined));
      if (ok) resolve();
      else stream.once('drain', () => resolve());
    });
}

export function registerExportCommand(program: Command): void {
  const exportCmd = program.command('export').description('copy history out of accrue (operators)');
  exportCmd
    .command('events')
    .description(
      'the events recorded in one UTC month (what one monthly partition holds), in position order, ' +
        'as JSON Lines (the stored envelope) or CSV, with a SHA-256 checksum (written to <out>.sha256 with --out)',
    )
    .requiredOption('--month <YYYY-MM>', 'the month the events were recorded in (UTC)')
    .option('--format <jsonl|csv>', 'jsonl (default) or csv', 'jsonl')
    .option('--out <file>', 'write to this file (default: stdout; the checksum then goes to stderr)')
    .action(async (opts: { month: string; format: string; out?: string }) => {
      if (!isIsoMonth(opts.month)) exitWithError(`--month must be YYYY-MM, got ${JSON.stringify(opts.month)}`, 'usage');
      if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) exitWithError(`--format must be jsonl or csv, got ${JSON.stringify(opts.format)}`, 'usage');
      const format = opts.format as ExportFormat;
      const { database } = await openBusRuntime('export');
      const handle = connect(database.url, { max: 1, applicationName: 'accrue-export' });
      const file = opts.out ? createWriteStream(opts.out) : undefined;
      try {
        const result = await exportMonth(handle.db, { month: opts.month, format }, writerTo(file ?? process.stdout));
        if (file && opts.out) {
          await new Promise<void>((resolve, reject) => file.end((err?: Error | null) => (err ? reject(err) : resolve())));
          // The `sha256sum -c` format: verify with `sha256sum -c <out>.sha256` next to the file.
          await writeFile(`${opts.out}.sha256`, `${result.sha256}  ${path.basename(opts.out)}\n`);
          process.stdout.write(`${JSON.stringify({ month: opts.month, format, file: opts.out, ...result })}\n`);
        } else {
          process.stderr.write(`${JSON.stringify({ month: opts.month, format, ...result })}\n`);
        }
      } finally {
        file?.destroy();
        await handle.close();
        await database.stop();
      }
    });
}
