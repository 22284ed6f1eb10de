import { api } from '../lib/api.js';
import { confirmAction } from '../lib/dialog.js';
import { byId, fill, h, table } from '../lib/dom.js';
import { count, instant } from '../lib/format.js';
import { can, showMessage, startPage } from '../lib/session.js';

const form = byId('filter');
let items = [];
const selected = new Set();

/** The filter as GET /v1/archive's query (datetime-local inputs are taken as UTC). */
function filterQuery() {
  const q = new URLSearchParams();
  for (const name of ['subscriber', 'type', 'error']) {
    const v = form[name].value.trim();
    if (v) q.set(name, v);
  }
  for (const name of ['since', 'until']) if (form[name].value) q.set(name, `${form[name].value}:00Z`);
  q.set('includeReplayed', form.includeReplayed.checked ? 'true' : 'false');
  q.set('limit', '200');
  return q;
}

/** The invoice an archived job concerns: its payload is the event envelope. */
const invoiceOf = (item) => (item.payload && item.payload.aggregateType === 'invoice' ? item.payload.aggregateId : null);

function renderDetail(item) {
  const invoice = invoiceOf(item);
  fill(
    byId('detail-body'),
    h(
      'dl',
      { class: 'pairs' },
      h('dt', {}, 'Archive id'), h('dd', {}, String(item.id)),
      h('dt', {}, 'Subscriber'), h('dd', {}, item.subscriber),
      h('dt', {}, 'Event'), h('dd', {}, item.eventType ?? '—', item.eventId ? ` ${item.eventId}` : ''),
      h('dt', {}, 'Invoice'), h('dd', {}, invoice ? h('a', { href: `/console/invoices?id=${encodeURIComponent(invoice)}` }, invoice) : '—'),
      h('dt', {}, 'Attempts'), h('dd', {}, `${item.attempts}${item.poison ? ' (refused: no retry)' : ''}, first ${instant(item.firstAttemptAt)}, last ${instant(item.lastAttemptAt)}`),
      h('dt', {}, 'Archived'), h('dd', {}, instant(item.archivedAt)),
      h('dt', {}, 'Replayed'), h('dd', {}, item.replayCount ? `${item.replayCount} time(s), last ${instant(item.lastReplayedAt)}` : 'never'),
      h('dt', {}, 'Error'), h('dd', {}, h('pre', { class: 'error-text' }, item.errorMessage)),
    ),
    item.errorStack ? h('details', {}, h('summary', {}, 'Stack'), h('pre', {}, item.errorStack)) : null,
    h('h3', {}, 'Payload'),
    h('pre', { class: 'payload', tabindex: '0' }, JSON.stringify(item.payload, null, 2)),
  );
  const section = byId('detail');
  section.hidden = false;
  section.scrollIntoView({ block: 'start' });
}

function renderReplayBar() {
  const bar = byId('replay-bar');
  // Replay is an admin action: without the scope the button is never drawn.
  if (!can('admin')) return fill(bar);
  fill(
    bar,
    h('span', { id: 'selection' }, `${selected.size} selected`),
    h('button', { type: 'button', id: 'replay', disabled: selected.size === 0, onclick: replaySelection }, 'Replay selected…'),
  );
}

function render(page) {
  items = page.items;
  for (const id of [...selected]) if (!items.some((i) => i.id === id)) selected.delete(id);
  const subscribers = [...new Set(items.map((i) => i.subscriber))].sort();
  fill(byId('subscribers'), subscribers.map((s) => h('option', { value: s })));
  const rows = items.map((item) => [
    can('admin')
      ? h('input', {
          type: 'checkbox',
          'aria-label': `Select archived job ${item.id}`,
          checked: selected.has(item.id),
          onchange: (e) => {
            if (e.target.checked) selected.add(item.id);
            else selected.delete(item.id);
            renderReplayBar();
          },
        })
      : '',
    h('button', { type: 'button', class: 'link', onclick: () => renderDetail(item), 'aria-label': `Open archived job ${item.id}` }, String(item.id)),
    item.subscriber,
    item.eventType ?? '—',
    h('span', { class: 'clip', title: item.errorMessage }, item.errorMessage),
    String(item.attempts),
    instant(item.archivedAt),
    String(item.replayCount),
  ]);
  fill(
    byId('archive'),
    h('p', {}, `${count(page.total)} archived job(s) match${page.total > items.length ? `; showing the first ${items.length}` : ''}.`),
    items.length === 0
      ? null
      : table({
          caption: 'Archived jobs, oldest first',
          headers: [h('span', { class: 'visually-hidden' }, 'Select'), 'Id', 'Subscriber', 'Event type', 'Error', 'Attempts', 'Archived', 'Replays'],
          rows,
          numeric: [5, 7],
          className: 'archive',
        }),
  );
  renderReplayBar();
}

async function load() {
  try {
    render(await api(`/v1/archive?${filterQuery()}`));
    document.body.dataset.loaded = 'true';
  } catch (err) {
    showMessage(`Could not read the archive: ${err.message}`, 'error');
  }
}

/** Dry run first (what would be sent), then the confirmation, then the replay itself. */
async function replaySelection() {
  const ids = [...selected].join(',');
  // includeReplayed: the operator chose these rows, replayed before or not.
  const body = { ids, includeReplayed: 'true' };
  try {
    const preview = await api('/v1/archive/replay', { method: 'POST', body: { ...body, dryRun: true } });
    const chosen = items.filter((i) => selected.has(i.id));
    const ok = await confirmAction({
      title: `Replay ${preview.matched} archived job(s)?`,
      details: [
        h('p', { id: 'replay-preview' }, `Dry run: ${preview.matched} job(s) match and would be enqueued again. Subscribers skip events they already applied.`),
        h('ul', {}, chosen.map((i) => h('li', {}, `#${i.id} ${i.subscriber} · ${i.eventType ?? 'no event'} · ${i.errorMessage.slice(0, 80)}`))),
      ],
      action: 'Replay',
    });
    if (!ok) return;
    const result = await api('/v1/archive/replay', { method: 'POST', body });
    selected.clear();
    showMessage(`Replayed ${result.replayed} of ${result.matched} job(s); recorded as ArchiveReplayed with you as the actor.`, 'success');
    await load();
  } catch (err) {
    showMessage(`Replay failed: ${err.message}`, 'error');
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void load();
});

if (startPage()) await load();
