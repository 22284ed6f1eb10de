import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayArchive } from '../../../src/bus/archive/replayArchive.ts';
import { getInvoiceAudit } from '../../../src/reports/audit/getInvoiceAudit.ts';
import { formatInvoiceAudit } from '../../../src/reports/audit/formatInvoiceAudit.ts';
import type { InvoiceAudit } from '../../../src/reports/audit/invoiceAuditSchema.ts';
import { createApiKey } from '../../../src/auth/apiKeys.ts';
import type { Subscriber } from '../../../src/bus/contract/subscriber.ts';
import { INVOICE_EVENT_TYPES } from '../../../src/events/eventTypes.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { waitUntilDrained } from '../../../src/bus/operator/getStatus.ts';
import { startBoss } from '../../../src/bus/queues/startBoss.ts';
import { startRelay, type RelayHandle } from '../../../src/bus/relay/startRelay.ts';
import { revenueSubscriber } from '../../../src/subscribers/revenue/index.ts';
import { startWorker, type WorkerHandle } from '../../../src/bus/worker/startWorker.ts';
import { testSettings } from '../../helpers/busTestKit.ts';
import { createCustomer, createTestApi, invoiceBody, revenueLine, type TestApi } from '../../helpers/testApi.ts';

// One retry, sent again at once (pg-boss retryDelay 0; backoff is on only because
// pg-boss refuses retryDelayMax without it): a first attempt that throws is retried on
// the next poll (0.5 s) instead of seconds later.
const settings = testSettings({ queue: { retryLimit: 1, retryDelay: 0, retryBackoff: true, retryDelayMax: 1 } });

/** Throws on the first attempt at each InvoiceCreated, succeeds on the retry. */
function flakySubscriber(): Subscriber {
  const seen = new Set<string>();
  return {
    name: 'flaky',
    eventTypes: INVOICE_EVENT_TYPES,
    async handle(event) {
      if (event.type === 'InvoiceCreated' && !seen.has(event.eventId)) {
        seen.add(event.eventId);
        throw new Error(`flaky: first attempt at ${event.eventId} refused`);
      }
    },
  };
}

/** Refuses InvoiceVoided while `refusing` is set: both attempts fail and the job is archived. */
function doomedSubscriber(state: { refusing: boolean }): Subscriber {
  return {
    name: 'doomed',
    eventTypes: ['InvoiceVoided'],
    async handle() {
      if (state.refusing) throw new Error('doomed: downstream is down');
    },
  };
}

describe('audit chain of an invoice created, paid and voided through the real pipeline', () => {
  let api: TestApi;
  let relay: RelayHandle;
  let worker: WorkerHandle;
  let boss: PgBoss;
  const doomed = { refusing: true };
  const subscribers = [revenueSubscriber, flakySubscriber(), doomedSubscriber(doomed)];
  let invoiceId: string;
  let audit: InvoiceAudit;

  beforeAll(async () => {
    api = await createTestApi();
    relay = await startRelay({ url: api.t.url, subscribers, settings, log: silentLogger });
    worker = await startWorker({ url: api.t.url, subscribers, settings, log: silentLogger });
    boss = await startBoss(api.t.url, { role: 'client', settings, log: silentLogger });

    const customerId = await createCustomer(api);
    // A point-in-time line: recognised on issue, so the chain does not depend on today's date.
    const created = await api.call('POST', '/v1/invoices', { body: invoiceBody(customerId, { lines: [revenueLine({ servicePeriod: undefined })] }) });
    expect(created.status).toBe(201);
    invoiceId = created.body.id;
    await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });
    const paid = await api.call('POST', `/v1/invoices/${invoiceId}/payments`, { body: { paymentId: 'pay_1', amount: 36500, receivedAt: '2026-01-05' } });
    expect(paid.status).toBe(200);
    await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });
    const voided = await api.call('POST', `/v1/invoices/${invoiceId}/void`, { body: { reason: 'sent twice' } });
    expect(voided.status).toBe(200);
    await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });

    // The operator fixes the downstream and replays what the archive holds.
    doomed.refusing = false;
    const replay = await replayArchive(api.t.db, boss, { subscriber: 'doomed' }, { now: new Date(), audit: { actor: 'cli:ops', correlationId: 'replay-1' } });
    expect(replay.replayed).toBe(1);
    await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });
    audit = await getInvoiceAudit(api.t.db, invoiceId);
  });
  afterAll(async () => {
    await relay?.stop();
    await worker?.stop();
    await boss?.stop({ graceful: false });
    await api?.drop();
  });

  it('lists every invoice event with its actor, dates and correlation', () => {
    const invoiceEvents = audit.events.filter((e) => e.kind === 'invoice');
    expect(invoiceEvents.map((e) => e.type)).toEqual(['InvoiceCreated', 'InvoicePaymentReceived', 'InvoicePaid', 'InvoiceVoided']);
    for (const e of invoiceEvents) {
      expect(e).toMatchObject({ actor: 'bootstrap', source: 'api' });
      expect(e.correlationId).toBeTruthy();
      expect(Date.parse(e.recordedAt)).not.toBeNaN();
    }
    expect(invoiceEvents[0]!.occurredAt).toBe('2026-01-01');
    // Payment and "paid" came from one request: one correlation id.
    expect(invoiceEvents[1]!.correlationId).toBe(invoiceEvents[2]!.correlationId);
    expect(new Set(invoiceEvents.map((e) => e.correlationId)).size).toBe(3);
  });

  it('shows the failed first attempt with its error, then the retry that applied', () => {
    const created = audit.chain.find((l) => l.event.type === 'InvoiceCreated')!;
    const flaky = created.attempts.filter((a) => a.subscriber === 'flaky');
    expect(flaky.map((a) => a.outcome)).toEqual(['failed', 'applied']);
    expect(flaky[0]).toMatchObject({ attempt: 1, error: `flaky: first attempt at ${created.event.eventId} refused` });
    expect(flaky[0]!.jobId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(flaky[0]!.startedAt!)).toBeLessThanOrEqual(Date.parse(flaky[0]!.finishedAt!));
    expect(created.attempts.filter((a) => a.subscriber === 'revenue').map((a) => a.outcome)).toEqual(['applied']);
    // Every invoice event reached both invoice subscribers exactly once.
    for (const link of audit.chain) {
      for (const name of ['revenue', 'flaky']) {
        expect(link.attempts.filter((a) => a.subscriber === name && a.outcome === 'applied'), `${link.event.type} ${name}`).toHaveLength(1);
      }
    }
  });

  it('shows the archived job, the replay and the apply that followed it', () => {
    const voided = audit.chain.find((l) => l.event.type === 'InvoiceVoided')!;
    const doomedAttempts = voided.attempts.filter((a) => a.subscriber === 'doomed');
    expect(doomedAttempts.map((a) => [a.outcome, a.attempt])).toEqual([
      ['failed', 1],
      ['failed', 2],
      ['archived', 2],
      ['applied', null],
    ]);
    expect(doomedAttempts[2]).toMatchObject({ error: 'doomed: downstream is down', replayCount: 1 });
  });

  it('links each event to the ledger entries and revenue events it caused', async () => {
    const byType = new Map(audit.chain.map((l) => [l.event.type, l]));
    const created = byType.get('InvoiceCreated')!;
    expect(created.ledgerEntries.map((e) => e.kind)).toContain('invoice_issued');
    expect(created.revenueEvents.map((r) => r.type)).toEqual(expect.arrayContaining(['RevenueDeferred', 'RevenueRecognized']));
    // The payment request wrote InvoicePaymentReceived and InvoicePaid; the revenue
    // subscriber posts the payment on whichever of the two it applies first (the worker
    // may take them in either order), so the entry hangs under one of them.
    const payment = [...byType.get('InvoicePaymentReceived')!.ledgerEntries, ...byType.get('InvoicePaid')!.ledgerEntries];
    expect(payment.map((e) => [e.kind, e.lines])).toEqual([['payment_received', { Cash: 36500, AccountsReceivable: -36500 }]]);
    const voided = byType.get('InvoiceVoided')!;
    expect(voided.ledgerEntries.length).toBeGreaterThan(0);
    expect(voided.revenueEvents.map((r) => r.type)).toContain('RevenueReversed');

    for (const link of audit.chain) {
      for (const r of link.revenueEvents) {
        expect(r).toMatchObject({ causationId: link.event.eventId, correlationId: link.event.correlationId, actor: 'revenue' });
        // Each revenue event names a ledger entry that the same invoice event caused.
        expect(link.ledgerEntries.map((e) => e.entryId)).toContain(r.entryId);
      }
    }
    // Nothing caused is missing: every entry of the invoice is in the chain or explained.
    const rows = await api.t.db.selectFrom('ledger_entries').select('entry_id').where('invoice_id', '=', invoiceId).execute();
    const shown = [...audit.chain.flatMap((l) => l.ledgerEntries), ...audit.otherLedgerEntries.map((o) => o.entry)].map((e) => e.entryId);
    expect(shown.sort((a, b) => a - b)).toEqual(rows.map((r) => r.entry_id).sort((a, b) => a - b));
    expect(audit.events.filter((e) => e.kind === 'revenue')).toHaveLength(
      audit.chain.reduce((n, l) => n + l.revenueEvents.length, 0) + audit.otherLedgerEntries.reduce((n, o) => n + o.revenueEvents.length, 0),
    );
  });

  it('serves the same chain from the views a person queries in psql', async () => {
    const chain = await sql<{ event_type: string; step: string; subscriber: string | null; outcome: string | null; error_message: string | null }>`
      SELECT event_type, step, subscriber, outcome, error_message FROM audit_invoice_chain
      WHERE invoice_id = ${invoiceId} ORDER BY position, step_order, at`.execute(api.t.db);
    const steps = (type: string, step: string) => chain.rows.filter((r) => r.event_type === type && r.step === step);
    for (const link of audit.chain) {
      expect(steps(link.event.type, 'attempt')).toHaveLength(link.attempts.length);
      expect(steps(link.event.type, 'ledger_entry')).toHaveLength(link.ledgerEntries.length);
      expect(steps(link.event.type, 'revenue_event')).toHaveLength(link.revenueEvents.length);
    }
    expect(chain.rows).toContainEqual(expect.objectContaining({ event_type: 'InvoiceCreated', subscriber: 'flaky', outcome: 'failed' }));

    const revenue = await sql<{ revenue_change: number; cause: string; cause_type: string | null; cause_actor: string | null; revenue_event_type: string | null }>`
      SELECT revenue_change, cause, cause_type, cause_actor, revenue_event_type FROM audit_revenue_changes
      WHERE invoice_id = ${invoiceId} ORDER BY entry_id`.execute(api.t.db);
    expect(revenue.rows.length).toBeGreaterThan(0);
    expect(revenue.rows.reduce((n, r) => n + r.revenue_change, 0)).toBe(0); // voided: every cent taken back
    for (const r of revenue.rows.filter((x) => x.cause === 'event')) {
      expect(r.cause_actor).toBe('bootstrap');
      expect(r.revenue_event_type).toMatch(/^Revenue/);
    }
  });

  it('prints the chain as a timeline', () => {
    const text = formatInvoiceAudit(audit);
    expect(text).toContain(`invoice ${invoiceId}: 4 events`);
    expect(text).toMatch(/flaky attempt 1 failed at \S+: flaky: first attempt at [0-9a-f-]+ refused/);
    expect(text).toMatch(/doomed attempt 2 archived at \S+: doomed: downstream is down \(replayed 1x\)/);
    expect(text).toMatch(/RevenueReversed -?\d+ USD on \d{4}-\d{2}-\d{2} from ledger #\d+/);
  });

  it('records operator actions as events with their actor (the token never)', async () => {
    const key = await createApiKey(api.t.db, { name: 'finance-reader', scopes: ['reports:read'] }, { actor: 'cli:alice', correlationId: 'key-1' });
    const closed = await api.call('POST', '/v1/periods/2026-01/close', {});
    expect(closed.status).toBe(201);
    const { rows } = await sql<{ type: string; subject: string; actor: string; correlation_id: string; data: Record<string, unknown> }>`
      SELECT type, subject, actor, correlation_id, data FROM audit_operator_actions ORDER BY position`.execute(api.t.db);
    expect(rows).toEqual([
      {
        type: 'ArchiveReplayed',
        subject: 'archive',
        actor: 'cli:ops',
        correlation_id: 'replay-1',
        data: { filter: { subscriber: 'doomed' }, matched: 1, replayed: 1, archiveIds: [expect.any(Number)] },
      },
      { type: 'ApiKeyCreated', subject: key.id, actor: 'cli:alice', correlation_id: 'key-1', data: { keyId: key.id, name: 'finance-reader', scopes: ['reports:read'] } },
      { type: 'PeriodClosed', subject: '2026-01', actor: 'bootstrap', correlation_id: expect.any(String), data: { period: '2026-01' } },
    ]);
    const stored = await sql<{ n: number }>`SELECT count(*)::int AS n FROM events WHERE data::text LIKE ${'%' + key.token + '%'}`.execute(api.t.db);
    expect(stored.rows[0]!.n).toBe(0);

    // The relay takes the operator events off the outbox and queues them for nobody
    // (no subscriber lists their types); PeriodClosed still reaches the revenue subscriber.
    await waitUntilDrained(api.t.db, { timeoutMs: 30_000 });
    const applied = await sql<{ type: string; subscriber: string }>`
      SELECT e.type, i.subscriber FROM events e JOIN inbox i ON i.event_id = e.event_id
      WHERE e.aggregate_type IN ('operator', 'period') ORDER BY e.position`.execute(api.t.db);
    expect(applied.rows).toEqual([{ type: 'PeriodClosed', subscriber: 'revenue' }]);
    expect(await api.t.db.selectFrom('ledger_period_locks').select('period').execute()).toEqual([{ period: '2026-01' }]);

    // The new key reads the audit (reports:read is enough); a key with neither scope may not.
    const res = await api.call('GET', `/v1/invoices/${invoiceId}/audit`, { token: key.token });
    expect(res.status).toBe(200);
    expect(res.body.chain.map((l: { event: { type: string } }) => l.event.type)).toEqual(audit.chain.map((l) => l.event.type));
    const writer = await createApiKey(api.t.db, { name: 'writer', scopes: ['invoices:write'] });
    expect((await api.call('GET', `/v1/invoices/${invoiceId}/audit`, { token: writer.token })).status).toBe(403);
    expect((await api.call('GET', '/v1/invoices/inv_nope/audit')).status).toBe(404);
  });
});
