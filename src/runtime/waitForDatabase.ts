import pg from 'pg';
import type { Logger } from '../telemetry/logger.ts';
import { doublingDelay } from '../db/backoff.ts';

/** A one-shot command gave up: the database did not answer within its bounded wait. */
export class DatabaseUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseUnreachableError';
  }
}

/** SIGTERM or SIGINT arrived while waiting: nothing has started, so the process ends cleanly (exit 0). */
export class StoppedWhileWaitingError extends Error {
  constructor() {
    super('stopped while waiting for the database');
    this.name = 'StoppedWhileWaitingError';
  }
}

// Network-level failures and a server that is starting or shutting down (57P01-03)
// or full (53300): these pass by themselves. Anything else means the server answered
// (unknown role, wrong password, missing database): waiting would not help, and the
// real work reports it — `accrue migrate` may even be about to create that role.
const PASSING_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

export function isDatabaseUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && PASSING_CODES.has(code)) return true;
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnreachable); // IPv4 + IPv6 both refused
  return /Connection terminated|timeout expired|connection timeout/i.test(err.message);
}

/** 0.5 s, 1 s, 2 s ... capped at 10 s: a restart is caught within seconds, a long outage costs one probe per 10 s. */
export function retryDelayMs(attempt: number, minMs = 500, maxMs = 10_000): number {
  return doublingDelay(attempt, minMs, maxMs);
}

/** host:port of a URL, never its password: what log lines and error messages name. */
export function databaseAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname}`;
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

async function probe(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, application_name: 'accrue-wait' });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

export type WaitOptions = {
  log: Logger;
  /** Give up after this long (one-shot commands); unset = wait as long as it takes (api, relay, worker, start). */
  maxWaitMs?: number;
  /** Started at the first failed attempt and closed once the database answers: what /livez and /readyz answer meanwhile. */
  whileWaiting?: () => Promise<{ close(): Promise<void> }>;
  minDelayMs?: number;
  maxDelayMs?: number;
};

/**
 * Returns once the server at `url` answers (or answers with an error no wait can
 * fix). Meanwhile one log line per attempt says what it waits for; SIGTERM/SIGINT
 * end the wait with StoppedWhileWaitingError, and a bounded wait that runs out
 * throws DatabaseUnreachableError. Every entry point calls this before its first
 * query, so a process started while Postgres is down or restarting carries on by
 * itself when it returns.
 */
export async function waitForDatabase(url: string, options: WaitOptions): Promise<void> {
  const { log } = options;
  const where = databaseAddress(url);
  const started = Date.now();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let placeholder: { close(): Promise<void> } | undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await probe(url);
        if (attempt > 1) log.info({ database: where, attempts: attempt }, `database at ${where} answers; starting`);
        return;
      } catch (err) {
        if (!isDatabaseUnreachable(err)) return;
        const waited = Date.now() - started;
        const reason = reasonOf(err);
        if (options.maxWaitMs !== undefined && waited >= options.maxWaitMs) {
          throw new DatabaseUnreachableError(`database unreachable at ${where} (${reason}); gave up after ${Math.round(waited / 1000)} s`, { cause: err });
        }
        let delay = retryDelayMs(attempt, options.minDelayMs, options.maxDelayMs);
        if (options.maxWaitMs !== undefined) delay = Math.min(delay, options.maxWaitMs - waited);
        log.warn({ database: where, attempt, reason, retryInMs: delay }, `waiting for the database at ${where} (${reason}); retry ${attempt} in ${delay} ms`);
        if (!placeholder && options.whileWaiting) placeholder = await options.whileWaiting();
        await sleep(delay, stop.signal);
        if (stop.signal.aborted) throw new StoppedWhileWaitingError();
      }
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await placeholder?.close();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
