import pg from 'pg';

/**
 * One connection of its own for sending `NOTIFY <channel>`, outside the pool whose
 * commits it announces: a wake-up never takes a connection a request is waiting for.
 * While that connection is not open (the first send, or after the server ended it) a
 * send goes through `fallback` (the pool) and the connection is opened meanwhile, so
 * no wake-up waits for a connection handshake; a send that fails on it is sent through
 * `fallback` too. `NOTIFY` is a utility statement (no plan, unlike `SELECT
 * pg_notify(...)`: half the backend CPU), sent as a simple query in its own transaction.
 */
export function notifyConnection(
  config: pg.ClientConfig,
  channel: string,
  fallback: (text: string) => Promise<unknown>,
): { send(): Promise<void>; close(): Promise<void> } {
  const text = `NOTIFY ${channel}`;
  let ready: pg.Client | undefined;
  let opening: Promise<void> | undefined;
  let closed = false;

  const drop = (c: pg.Client) => {
    if (ready === c) ready = undefined;
    c.end().catch(() => {});
  };
  const open = () => {
    const c = new pg.Client(config);
    // A connection the server ends (restart, pg_terminate_backend) must not crash the process.
    c.on('error', () => drop(c));
    c.on('end', () => drop(c));
    opening = c.connect().then(
      () => {
        if (closed) c.end().catch(() => {});
        else ready = c;
      },
      () => drop(c),
    ).finally(() => (opening = undefined));
  };

  return {
    async send() {
      if (closed) return;
      const c = ready;
      if (c) {
        try {
          await c.query(text);
          return;
        } catch {
          // It ended while idle and has not said so yet.
          drop(c);
        }
      }
      if (!opening) open();
      await fallback(text);
    },
    async close() {
      closed = true;
      await opening;
      if (ready) await ready.end().catch(() => {});
      ready = undefined;
    },
  };
}
