import pg from 'pg';
import type { Logger } from '../../telemetry/logger.ts';
import { doublingDelay } from '../../db/backoff.ts';

export { OUTBOX_CHANNEL } from '../../db/wakeRelay.ts';
import { OUTBOX_CHANNEL } from '../../db/wakeRelay.ts';

/**
 * Holds a dedicated connection LISTENing on the outbox channel (a pooled one would
 * lose the LISTEN when returned) and calls `onNotify` for each wake-up a writer
 * sends after committing outbox rows (db/wakeRelay.ts; coalesced, so one may stand
 * for many commits). Reconnects with backoff (100 ms doubling to 5 s) when the
 * connection drops, and calls `onNotify` after each (re)connect so commits made
 * while it was away are picked up at once rather than at the next poll.
 */
export function listenForOutbox(url: string, onNotify: () => void, log: Logger, applicationName = 'accrue-relay-listen'): { close(): Promise<void> } {
  let closed = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async () => {
    if (closed) return;
    const c = new pg.Client({ connectionString: url, application_name: applicationName, keepAlive: true });
    client = c;
    let reconnecting = false;
    const reconnect = (err?: Error) => {
      if (reconnecting || closed) return;
      reconnecting = true;
      if (err) log.warn({ err: { message: err.message } }, 'outbox listener lost its connection; reconnecting');
      c.end().catch(() => {});
      failures++;
      const delay = doublingDelay(failures, 100, 5000);
      retryTimer = setTimeout(() => void connect(), delay);
    };
    c.on('error', reconnect);
    c.on('end', () => reconnect());
    c.on('notification', () => onNotify());
    try {
      await c.connect();
      await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
      failures = 0;
      onNotify();
    } catch (err) {
      reconnect(err as Error);
    }
  };
  void connect();

  return {
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    },
  };
}
