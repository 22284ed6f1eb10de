import { signIn } from '../lib/session.js';

const form = document.getElementById('sign-in');
const error = document.getElementById('sign-in-error');

/** Where to go after signing in: `next` when it is a console page, else the first page the scopes open. */
function destination(me) {
  const next = new URLSearchParams(location.search).get('next');
  if (next && next.startsWith('/console') && !next.startsWith('/console/sign-in')) return next;
  const order = [
    ['/console', ['admin']],
    ['/console/invoices', ['invoices:read', 'reports:read']],
    ['/console/revenue', ['reports:read']],
  ];
  const has = (s) => me.scopes.includes('admin') || me.scopes.includes(s);
  return order.find(([, needs]) => needs.some(has))?.[0] ?? '/console';
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  try {
    const me = await signIn(form.token.value.trim());
    location.assign(destination(me));
  } catch (err) {
    error.textContent = err.message;
  }
});
