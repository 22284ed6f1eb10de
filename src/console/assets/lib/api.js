import { signOut, toSignIn, token } from './session.js';

/** An API error answer (problem+json): `detail` names what was wrong. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the server answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function send(path, { method = 'GET', body, accept = 'application/json', headers = {} } = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token()}`,
      accept,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) {
    // Revoked or expired while signed in: sign in again.
    signOut();
    toSignIn();
    throw new ApiError(401, { detail: 'signed out' });
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => null);
    throw new ApiError(res.status, problem);
  }
  return res;
}

/** A /v1 call with the signed-in token; the JSON answer, or ApiError. */
export async function api(path, options) {
  const res = await send(path, options);
  return res.status === 204 ? null : res.json();
}

/** GET path as text/csv and hand it to the browser as a download named `filename`. */
export async function downloadCsv(path, filename) {
  const res = await send(path, { accept: 'text/csv' });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** GET /readyz: public, so no token; the report whether 200 or 503. */
export async function readiness() {
  const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
  return res.json();
}
