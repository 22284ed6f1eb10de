import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { startApi } from '../../src/runtime/startApi.ts';
import { BOOTSTRAP_TOKEN } from '../helpers/testApi.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/testDatabase.ts';

/**
 * The event stream as `accrue api` wires it: the shared reader is woken by the outbox
 * NOTIFY (the backstop poll is set to a minute, so only the wake-up can be quick), and
 * close() ends open streams instead of waiting on them. Costs: one database, one server, ~2 s.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t.drop();
});

describe('startApi: GET /v1/events/stream', () => {
  it('delivers a write within moments through the NOTIFY wake-up, and close() ends the open stream', async () => {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', ACCRUE_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN, ACCRUE_FEED_POLL_MS: '60000' });
    const api = await startApi({ config, log: silentLogger, database: { url: t.url, embedded: false, stop: async () => {} }, print: () => {} });
    const auth = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
    let closed = false;
    try {
      const res = await fetch(`${api.url}/v1/events/stream?types=CustomerCreated`, { headers: auth });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes(': connected')) text += (await reader.read()).value;
      const started = Date.now();
      const created = await fetch(`${api.url}/v1/customers`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Streamed', email: 'streamed@example.com' }),
      });
      const customer = (await created.json()) as { id: string };
      while (!text.includes('\ndata: ')) text += (await reader.read()).value;
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(text).toContain(`"aggregate":{"type":"customer","id":"${customer.id}"`);

      const closing = api.close().then(() => (closed = true));
      // The server ends the stream rather than waiting for the client to leave.
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
      await closing;
    } finally {
      if (!closed) await api.close();
    }
  });
});
