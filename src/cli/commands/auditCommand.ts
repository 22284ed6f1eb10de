import type { Command } from 'commander';
import { formatInvoiceAudit } from '../../reports/audit/formatInvoiceAudit.ts';
import { getInvoiceAudit } from '../../reports/audit/getInvoiceAudit.ts';
import { connect } from '../../db/connect.ts';
import { NotFoundError } from '../../errors.ts';
import { openBusRuntime } from './busRuntime.ts';
import { exitWithError } from './exitWithError.ts';

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description('follow what happened, from the audit views (docs/audit.md)');
  audit
    .command('invoice <id>')
    .description("an invoice's events, bus attempts, ledger entries and revenue events as a timeline")
    .option('--json', 'the same as GET /v1/invoices/{id}/audit, one JSON object on stdout')
    .action(async (id: string, opts: { json?: boolean }) => {
      const { database } = await openBusRuntime('audit');
      const handle = connect(database.url, { max: 2, applicationName: 'accrue-audit' });
      let missing: string | undefined;
      try {
        const result = await getInvoiceAudit(handle.db, id);
        process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : formatInvoiceAudit(result));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
        missing = err.message;
      } finally {
        await handle.close();
        await database.stop();
      }
      // After closing: an embedded database must be stopped before the process exits.
      if (missing) exitWithError(missing);
    });
}
