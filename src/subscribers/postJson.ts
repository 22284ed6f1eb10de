/** An outside endpoint did not take a delivery: a non-2xx answer, a timeout or a network error. */
export class DeliveryFailedError extends Error {
  /** The HTTP status, or null when no answer came (timeout, refused, reset). */
  readonly status: number | null;
  constructor(message: string, status: number | null, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DeliveryFailedError';
    this.status = status;
  }
}

/**
 * A 4xx other than 408/429 means the endpoint is up and refuses this one payload:
 * the job is still retried (and archived in the end), but it says nothing about the
 * endpoint's health, so it does not count towards opening the circuit breaker.
 */
export function isEndpointFailure(err: Error): boolean {
  if (!(err instanceof DeliveryFailedError) || err.status === null) return true;
  return err.status >= 500 || err.status === 408 || err.status === 429;
}

/** POSTs a JSON body; resolves with the status on 2xx, throws DeliveryFailedError otherwise. */
export async function postJson(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const reason = err instanceof Error && err.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : String((err as Error).cause ?? err);
    throw new DeliveryFailedError(`POST ${safeUrl(url)} failed: ${reason}`, null, { cause: err });
  }
  // Drain the body so the connection goes back to the keep-alive pool.
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    throw new DeliveryFailedError(`POST ${safeUrl(url)} answered ${response.status}: ${text.slice(0, 200)}`, response.status);
  }
  return response.status;
}

/** A URL without its credentials or query (they may carry tokens) for messages and logs. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
