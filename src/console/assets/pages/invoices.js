import { api, ApiError } from '../lib/api.js';
import { byId, fill, h, table } from '../lib/dom.js';
import { instant, money } from '../lib/format.js';
import { can, showMessage, startPage } from '../lib/session.js';

const form = byId('find');
const link = (id) => h('a', { href: `/console/invoices?id=${encodeURIComponent(id)}` }, id);

/** Signed ledger lines (debit positive) as "account +amount" items. */
function ledgerLines(lines, currency) {
  return Object.entries(lines).map(([account, amount]) => `${account} ${amount >= 0 ? 'Dr' : 'Cr'} ${money(Math.abs(amount), currency)}`).join(' · ');
}

function ledgerEntry(entry) {
  return h(
    'li',
    { class: 'ledger-entry', dataset: { entryId: String(entry.entryId) } },
    h('strong', {}, `Ledger entry #${entry.entryId}`),
    ` ${entry.kind}, dated ${entry.entryDate} (${entry.period})${entry.note ? `, ${entry.note}` : ''}: `,
    ledgerLines(entry.lines, entry.currency),
  );
}

const revenueEvent = (r) => h('li', { class: 'revenue-event' }, h('strong', {}, r.type), ` ${money(r.amount, r.currency)} posted ${r.postedOn}${r.entryId ? ` (entry #${r.entryId})` : ''}`);

const attempt = (a) =>
  h('li', { class: 'attempt' }, `${a.subscriber}: ${a.outcome}${a.attempt ? ` (attempt ${a.attempt})` : ''}${a.finishedAt ? ` at ${instant(a.finishedAt)}` : ''}${a.error ? ` — ${a.error}` : ''}`);

function renderTimeline(audit) {
  const items = audit.chain.map(({ event, attempts, ledgerEntries, revenueEvents }) =>
    h(
      'li',
      { class: 'event', dataset: { eventId: event.eventId } },
      h('h3', {}, event.type),
      h(
        'p',
        { class: 'meta' },
        `${event.occurredAt} · recorded ${instant(event.recordedAt)} · by ${event.actorName ?? event.actor} (${event.source}) · request ${event.correlationId}`,
        event.externalId ? ` · external id ${event.externalId}` : '',
      ),
      attempts.length ? h('ul', { 'aria-label': 'Job attempts' }, attempts.map(attempt)) : null,
      ledgerEntries.length ? h('ul', { 'aria-label': 'Ledger entries' }, ledgerEntries.map(ledgerEntry)) : null,
      revenueEvents.length ? h('ul', { 'aria-label': 'Revenue events' }, revenueEvents.map(revenueEvent)) : null,
    ),
  );
  const others = audit.otherLedgerEntries.map(({ entry, revenueEvents }) =>
    h(
      'li',
      { class: 'event recognition' },
      h('h3', {}, `Recognition ${entry.entryDate}`),
      h('p', { class: 'meta' }, entry.note ?? 'scheduled recognition'),
      h('ul', { 'aria-label': 'Ledger entries' }, ledgerEntry(entry)),
      revenueEvents.length ? h('ul', { 'aria-label': 'Revenue events' }, revenueEvents.map(revenueEvent)) : null,
    ),
  );
  fill(byId('timeline'), items, others);
}

function renderBook(book) {
  const c = book.currency;
  fill(
    byId('summary'),
    h('dt', {}, 'Status'), h('dd', {}, book.status, ` (version ${book.version})`),
    h('dt', {}, 'Issued'), h('dd', {}, book.issuedOn),
    h('dt', {}, 'Total'), h('dd', {}, money(book.total, c), ` (tax ${money(book.tax, c)}, net revenue ${money(book.netRevenue, c)})`),
    h('dt', {}, 'Paid'), h('dd', {}, money(book.amountPaid, c), `, due ${money(book.amountDue, c)}`),
  );
  const months = [...new Set(book.schedule.flatMap((l) => Object.keys(l.months)))].sort();
  fill(
    byId('schedule'),
    table({
      caption: 'Recognition per line and month',
      headers: ['Line', 'Net', 'Service period', 'Recognised to date', ...months],
      rows: book.schedule.map((l) => [
        l.lineId,
        money(l.netAmount, c),
        l.servicePeriod ? `${l.servicePeriod.start} – ${l.servicePeriod.end}` : 'at issue',
        money(l.recognizedToDate, c),
        ...months.map((m) => money(l.months[m] ?? 0, c)),
      ]),
      numeric: [1, 3, ...months.map((_, i) => 4 + i)],
      rowHeaders: true,
      className: 'schedule',
    }),
  );
  fill(
    byId('journal'),
    table({
      caption: 'Journal entries',
      headers: ['Entry', 'Date', 'Kind', 'Account', 'Debit', 'Credit'],
      rows: book.entries.flatMap((e) =>
        e.lines.map((line, i) => [i === 0 ? `#${e.entryId}` : '', i === 0 ? e.date : '', i === 0 ? e.kind : '', line.account, line.debit ? money(line.debit, c) : '', line.credit ? money(line.credit, c) : '']),
      ),
      numeric: [4, 5],
      className: 'journal',
    }),
  );
}

async function show(id) {
  byId('invoice-id').textContent = id;
  byId('invoice').hidden = false;
  const [audit, book] = await Promise.all([
    api(`/v1/invoices/${encodeURIComponent(id)}/audit`),
    can('reports:read') ? api(`/v1/invoices/${encodeURIComponent(id)}/book`) : null,
  ]);
  renderTimeline(audit);
  if (book) renderBook(book);
  else byId('book').hidden = true;
}

/** An invoice id opens it; otherwise the invoices of that customer (id or external id). */
async function find(q) {
  try {
    await api(`/v1/invoices/${encodeURIComponent(q)}/audit`);
    location.assign(`/console/invoices?id=${encodeURIComponent(q)}`);
    return;
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 404 && err.status !== 400)) throw err;
  }
  if (!can('invoices:read')) return fill(byId('results'), h('p', {}, `No invoice ${q}. (Finding by customer needs the invoices:read scope.)`));
  const [byCustomer, byExternal] = await Promise.all([
    api(`/v1/invoices?customerId=${encodeURIComponent(q)}&limit=200`).catch(() => ({ items: [] })),
    api(`/v1/invoices?customerExternalId=${encodeURIComponent(q)}&limit=200`).catch(() => ({ items: [] })),
  ]);
  const items = [...byCustomer.items, ...byExternal.items];
  fill(
    byId('results'),
    items.length === 0
      ? h('p', {}, `No invoice, customer or customer external id ${q}.`)
      : table({
          caption: `Invoices of ${q}`,
          headers: ['Invoice', 'Issued', 'Status', 'Total', 'Due'],
          rows: items.map((i) => [link(i.id), i.issuedAt, i.status, money(i.total, i.currency), money(i.amountDue, i.currency)]),
          numeric: [3, 4],
        }),
  );
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  find(form.q.value.trim()).catch((err) => showMessage(err.message, 'error'));
});

if (startPage()) {
  const id = new URLSearchParams(location.search).get('id');
  try {
    if (id) {
      form.q.value = id;
      await show(id);
    }
  } catch (err) {
    showMessage(`Could not read invoice ${id}: ${err.message}`, 'error');
  }
  document.body.dataset.loaded = 'true';
}
