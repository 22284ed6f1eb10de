import pg from 'pg';

/**
 * One connection of its own for sending `NOTIFY <channel>`, outside the pool whose
 * commits it announces: a wake-up never takes a connection a request is waiting for.
 * Connected on the first send; a send that fails drops the connection (the next one
 * reconnects), and so does a connection the server ends while idle. `NOTIFY` is a
 * utility statement (no parse into a plan, unlike `SELECT pg_notify(...)`), sent as a
 * simple query in its own implicit transaction.
 */
export function notifyConnection(config: pg.ClientConfig, channel: string): { send(): Promise<void>; close(): Promise<void> } {
  const text = `NOTIFY ${channel}`;
  let client: Promise<pg.Client> | undefined;
  let closed = false;

  const open = () => {
    const c = new pg.Client(config);
    const drop = () => {
      if (client === opened) client = undefined;
      c.end().catch(() => {});
    };
    // An idle connection the server ends (restart, pg_terminate_backend) must not crash the process.
    c.on('error', drop);
    c.on('end', drop);
    const opened: Promise<pg.Client> = c.connect().then(
      () => c,
      (err: Error) => {
        drop();
        throw err;
      },
    );
    client = opened;
    return opened;
  };

  const sendOn = async (current: Promise<pg.Client>) => {
    const c = await current;
    try {
      await c.query(text);
    } catch (err) {
      if (client === current) client = undefined;
      c.end().catch(() => {});
      throw err;
    }
  };

  return {
    async send() {
      if (closed) return;
      // A connection the server ended while idle may not have said so yet: a send that
      // fails on a connection opened earlier is tried once more on a new one.
      const reused = client !== undefined;
      try {
        await sendOn(client ?? open());
      } catch (err) {
        if (!reused || closed) throw err;
        await sendOn(open());
      }
    },
    async close() {
      closed = true;
      const current = client;
      client = undefined;
      if (current) await current.then((c) => c.end(), () => {}).catch(() => {});
    },
  };
}
