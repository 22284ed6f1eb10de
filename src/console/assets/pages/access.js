import { api } from '../lib/api.js';
import { confirmAction } from '../lib/dialog.js';
import { byId, fill, h, table } from '../lib/dom.js';
import { instant } from '../lib/format.js';
import { showMessage, startPage } from '../lib/session.js';

const SCOPES = ['invoices:read', 'invoices:write', 'events:read', 'events:write', 'reports:read', 'admin'];
const form = byId('create');

async function revoke(key) {
  const ok = await confirmAction({
    title: `Revoke “${key.name}”?`,
    details: h('p', {}, `Its next request gets 401. Key ${key.id}, scopes ${key.scopes.join(', ')}. This cannot be undone.`),
    action: 'Revoke',
  });
  if (!ok) return;
  try {
    await api(`/v1/api-keys/${encodeURIComponent(key.id)}/revoke`, { method: 'POST' });
    showMessage(`Revoked ${key.name}.`, 'success');
    await loadKeys();
  } catch (err) {
    showMessage(`Could not revoke: ${err.message}`, 'error');
  }
}

async function loadKeys() {
  const { items } = await api('/v1/api-keys');
  fill(
    byId('keys'),
    items.length === 0
      ? h('p', {}, 'No keys yet.')
      : table({
          caption: 'Keys, oldest first; tokens are never shown again after creation',
          headers: ['Name', 'Scopes', 'Status', 'Created', 'Last used', 'Expires', ''],
          rows: items.map((k) => [
            k.name,
            k.scopes.join(', '),
            h('span', { class: `badge ${k.status === 'active' ? 'closed' : 'open'}` }, k.status),
            instant(k.createdAt),
            instant(k.lastUsedAt),
            instant(k.expiresAt),
            k.status === 'active' ? h('button', { type: 'button', class: 'secondary', onclick: () => revoke(k), 'aria-label': `Revoke ${k.name}` }, 'Revoke…') : '',
          ]),
          rowHeaders: true,
          className: 'keys',
        }),
  );
}

/** The last attempt of a delivery as one line: status code or error, latency. */
function lastAttempt(d) {
  const a = d.attempts[d.attempts.length - 1];
  if (!a) return '—';
  return `${a.statusCode ?? a.error ?? 'no answer'} · ${a.latencyMs} ms`;
}

/** An endpoint's most recent deliveries (GET /v1/webhook-endpoints/{id}/deliveries). */
async function recentDeliveries(endpoint) {
  const { data } = await api(`/v1/webhook-endpoints/${encodeURIComponent(endpoint.id)}/deliveries?limit=10`);
  return data.length === 0
    ? h('p', {}, 'No deliveries yet.')
    : table({
        caption: `Recent deliveries to ${endpoint.url}, newest first`,
        headers: ['Event', 'Type', 'Status', 'Attempts', 'Last attempt', 'Created'],
        rows: data.map((d) => [
          d.eventId,
          d.eventType,
          h('span', { class: `badge ${d.status === 'succeeded' ? 'closed' : 'open'}` }, d.status),
          String(d.attempts.length),
          lastAttempt(d),
          instant(d.createdAt),
        ]),
        rowHeaders: true,
        className: 'deliveries',
      });
}

/**
 * Webhook endpoints and their recent deliveries, once this server serves
 * /v1/webhook-endpoints (read from its own /openapi.json, so the console follows the
 * API it talks to). Secrets are never readable after creation, so none is shown.
 */
async function loadWebhooks() {
  const doc = await fetch('/openapi.json').then((r) => r.json());
  if (!doc.paths?.['/v1/webhook-endpoints']?.get) {
    return fill(byId('webhooks'), h('p', {}, 'This server does not offer webhook endpoints (/v1/webhook-endpoints).'));
  }
  const { items = [] } = await api('/v1/webhook-endpoints');
  if (items.length === 0) return fill(byId('webhooks'), h('p', {}, 'No webhook endpoints registered.'));
  const deliveries = await Promise.all(items.map(recentDeliveries));
  fill(
    byId('webhooks'),
    table({
      caption: 'Registered endpoints',
      headers: ['URL', 'Event types', 'Status', 'Failing since', 'Created'],
      rows: items.map((e) => [
        e.url,
        e.eventTypes === '*' ? 'all' : e.eventTypes.join(', '),
        h('span', { class: `badge ${e.enabled ? 'closed' : 'open'}` }, e.enabled ? 'enabled' : `disabled${e.disabledReason ? `: ${e.disabledReason}` : ''}`),
        instant(e.failingSince),
        instant(e.createdAt),
      ]),
      rowHeaders: true,
      className: 'endpoints',
    }),
    ...items.map((e, i) => h('section', { class: 'endpoint-deliveries', 'data-endpoint': e.id }, h('h3', {}, e.description || e.url), deliveries[i])),
  );
}

fill(
  byId('scope-boxes'),
  SCOPES.map((s) => h('label', {}, h('input', { type: 'checkbox', name: 'scope', value: s }), s)),
);

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const scopes = [...form.querySelectorAll('input[name="scope"]:checked')].map((i) => i.value);
  if (scopes.length === 0) return showMessage('Choose at least one scope.', 'error');
  const body = { name: form.name.value.trim(), scopes, ...(form.expiresIn.value.trim() ? { expiresIn: form.expiresIn.value.trim() } : {}) };
  try {
    const key = await api('/v1/api-keys', { method: 'POST', body });
    fill(
      byId('created'),
      h(
        'div',
        { class: 'card narrow' },
        h('p', {}, h('strong', {}, `Key “${key.name}” created.`), ' Copy the token now: it is shown only this once and only its hash is stored.'),
        h('p', { class: 'token', id: 'new-token' }, key.token),
      ),
    );
    form.reset();
    showMessage('');
    await loadKeys();
  } catch (err) {
    showMessage(`Could not create the key: ${err.message}`, 'error');
  }
});

if (startPage()) {
  try {
    await Promise.all([loadKeys(), loadWebhooks()]);
  } catch (err) {
    showMessage(`Could not read the keys: ${err.message}`, 'error');
  }
  document.body.dataset.loaded = 'true';
}
