import { createApp, type ApiApp, type ApiDeps, type RouteModule } from '../../src/http/app.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { openApiContract, type Contract, type OpenApiDocument } from './openApiContract.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

export const BOOTSTRAP_TOKEN = 'test-bootstrap-token-0123456789';

export type CallOptions = {
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as is (malformed JSON, huge bodies...). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Bearer token; null sends none. Defaults to the bootstrap token. */
  token?: string | null;
  contentType?: string | null;
  /**
   * false: do not hold the answer to /openapi.json (only for answers no client
   * should see, e.g. a database taken away mid-request). Default: every answer is checked.
   */
  contract?: false;
};

/** The contract of the app's own /openapi.json; a call whose answer breaks it throws. */
async function contractOf(app: ApiApp): Promise<Contract> {
  const res = await app.request('/openapi.json');
  if (res.status !== 200) throw new Error(`/openapi.json answered ${res.status}`);
  return openApiContract((await res.json()) as OpenApiDocument);
}

export type TestApi = {
  t: TestDatabase;
  app: ApiApp;
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  drop(): Promise<void>;
};

/** The real app on a fresh database, called through app.request() (no socket). */
export async function createTestApi(
  deps: Partial<ApiDeps> = {},
  options: { poolMax?: number } = {},
  extraRoutes: RouteModule[] = [],
): Promise<TestApi> {
  const t = await createTestDatabase(options);
  const app = createApp({ db: t.db, log: silentLogger, bootstrapToken: BOOTSTRAP_TOKEN, ...deps }, extraRoutes);
  let contract: Promise<Contract> | undefined;
  return {
    t,
    app,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const token = o.token === undefined ? BOOTSTRAP_TOKEN : o.token;
      if (token !== null) headers['authorization'] = `Bearer ${token}`;
      const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      const contentType = o.contentType === undefined ? (payload === undefined ? null : 'application/json') : o.contentType;
      if (contentType !== null) headers['content-type'] = contentType;
      const res = await app.request(path, { method, headers, body: payload as RequestInit["body"] });
      const text = await res.text();
      if (o.contract !== false) {
        const problems = (await (contract ??= contractOf(app))).check({ method, path, status: res.status, headers: res.headers, text });
        if (problems.length > 0) throw new Error(`the answer breaks /openapi.json:\n  ${problems.join('\n  ')}`);
      }
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // non-JSON answers (the /docs page) stay text
      }
      return { status: res.status, body, headers: res.headers };
    },
    drop: () => t.drop(),
  };
}

/** Rows of the write side and the event store: what "nothing was written" compares. */
const COUNTED = ['events', 'outbox', 'invoices', 'customers', 'invoice_payments', 'idempotency_keys'] as const;
export async function countRows(t: TestDatabase): Promise<Record<(typeof COUNTED)[number], number>> {
  const tables = COUNTED;
  const counts = {} as Record<(typeof COUNTED)[number], number>;
  for (const table of tables) {
    const r = await t.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(r.n);
  }
  return counts;
}

export const revenueLine = (overrides: Record<string, unknown> = {}) => ({
  lineId: 'li_1',
  kind: 'revenue',
  description: 'Annual plan',
  amount: 36500,
  servicePeriod: { start: '2026-01-01', end: '2027-01-01' },
  ...overrides,
});

export async function createCustomer(api: TestApi, name = 'Ada'): Promise<string> {
  const res = await api.call('POST', '/v1/customers', { body: { name, email: `${name.toLowerCase()}@example.com` } });
  if (res.status !== 201) throw new Error(`customer create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export function invoiceBody(customerId: string, overrides: Record<string, unknown> = {}) {
  return { customerId, currency: 'USD', issuedAt: '2026-01-01', dueDate: '2026-01-31', lines: [revenueLine()], ...overrides };
}
