// The signed-in token lives in sessionStorage: gone when the tab closes, never a
// cookie (so no request carries it unasked), never sent anywhere but this server's /v1.
const TOKEN = 'accrue.console.token';
const CALLER = 'accrue.console.caller';

export function token() {
  return sessionStorage.getItem(TOKEN);
}

/** Who the token is (GET /v1/me) as read at sign-in: { id, name, scopes }. */
export function caller() {
  const raw = sessionStorage.getItem(CALLER);
  return raw ? JSON.parse(raw) : null;
}

/** Checks the token against GET /v1/me and keeps it for this browser session. */
export async function signIn(candidate) {
  const res = await fetch('/v1/me', { headers: { authorization: `Bearer ${candidate}`, accept: 'application/json' } });
  if (res.status === 401) throw new Error('This token is not valid (unknown, revoked or expired).');
  if (!res.ok) throw new Error(`Sign-in failed: the server answered ${res.status}.`);
  const me = await res.json();
  sessionStorage.setItem(TOKEN, candidate);
  sessionStorage.setItem(CALLER, JSON.stringify(me));
  return me;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(CALLER);
}

/** The token holds `scope` (admin implies every scope). */
export function can(scope) {
  const me = caller();
  return !!me && (me.scopes.includes('admin') || me.scopes.includes(scope));
}

export const canAny = (scopes) => scopes.length === 0 || scopes.some(can);

export function toSignIn() {
  const next = location.pathname + location.search;
  location.replace(`/console/sign-in?next=${encodeURIComponent(next)}`);
}

/**
 * Starts a page: sends an unsigned-in visitor to sign in, shows only the navigation
 * the token's scopes allow, and says so when this page is not one of them.
 * Returns whether the page may load.
 */
export function startPage() {
  if (!token()) {
    toSignIn();
    return false;
  }
  for (const li of document.querySelectorAll('nav li[data-needs]')) {
    li.hidden = !canAny(li.dataset.needs.split(' ').filter(Boolean));
  }
  const me = caller();
  document.getElementById('caller').textContent = `${me.name} (${me.scopes.join(', ')})`;
  const out = document.getElementById('sign-out');
  out.hidden = false;
  out.addEventListener('click', () => {
    signOut();
    location.assign('/console/sign-in');
  });
  const needs = document.body.dataset.needs.split(' ').filter(Boolean);
  if (!canAny(needs)) {
    for (const el of document.querySelectorAll('main > :not(h1):not(#page-message)')) el.hidden = true;
    showMessage(`This page needs a token with ${needs.map((s) => `“${s}”`).join(' or ')}; yours has ${me.scopes.join(', ')}.`, 'error');
    return false;
  }
  return true;
}

export function showMessage(text, kind = 'info') {
  const el = document.getElementById('page-message');
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
}
