import { api, downloadCsv } from '../lib/api.js';
import { COLORS, draw } from '../lib/charts.js';
import { confirmAction } from '../lib/dialog.js';
import { byId, fill, h, table } from '../lib/dom.js';
import { major, money } from '../lib/format.js';
import { can, showMessage, startPage } from '../lib/session.js';

const select = byId('currency');
let closed = new Map();

const closedBadge = (month) => (closed.has(month) ? [' ', h('span', { class: 'badge closed-period', title: `closed by ${closed.get(month).closedBy}` }, 'closed')] : []);
const monthCell = (month) => h('span', {}, month, closedBadge(month));

function renderRevenue(byMonth, currency) {
  const months = Object.keys(byMonth).sort();
  draw(byId('revenue-chart'), {
    type: 'bar',
    data: {
      labels: months,
      datasets: [
        {
          label: `Revenue (${currency})`,
          data: months.map((m) => major(byMonth[m], currency)),
          backgroundColor: months.map((m) => (closed.has(m) ? '#6b7280' : COLORS[0])),
        },
      ],
    },
    options: { scales: { y: { beginAtZero: true, title: { display: true, text: currency } } } },
  });
  fill(
    byId('revenue-table'),
    table({
      caption: `Revenue recognised per month, ${currency}`,
      headers: ['Month', 'Revenue'],
      rows: months.map((m) => [monthCell(m), money(byMonth[m], currency)]),
      numeric: [1],
      rowHeaders: true,
      className: 'revenue',
    }),
  );
}

function renderWaterfall(waterfall, currency) {
  const invoiceMonths = Object.keys(waterfall).sort();
  const later = [...new Set(invoiceMonths.flatMap((m) => Object.keys(waterfall[m].scheduled)))].sort();
  fill(
    byId('waterfall'),
    invoiceMonths.length === 0
      ? h('p', {}, 'Nothing deferred.')
      : table({
          caption: `Invoiced month (rows): recognised to date, then still scheduled per month, ${currency}`,
          headers: ['Invoiced', 'Recognised to date', ...later],
          rows: invoiceMonths.map((m) => [monthCell(m), money(waterfall[m].recognizedToDate, currency), ...later.map((l) => (waterfall[m].scheduled[l] ? money(waterfall[m].scheduled[l], currency) : ''))]),
          numeric: [1, ...later.map((_, i) => 2 + i)],
          rowHeaders: true,
        }),
  );
}

function renderBalances(balances, currency) {
  const months = Object.keys(balances).sort();
  const accounts = months.length ? Object.keys(balances[months[0]]) : [];
  fill(
    byId('balances'),
    table({
      caption: `Balance per account at each month end, ${currency}`,
      headers: ['Month', ...accounts],
      rows: months.map((m) => [monthCell(m), ...accounts.map((a) => money(balances[m][a], currency))]),
      numeric: accounts.map((_, i) => 1 + i),
      rowHeaders: true,
    }),
  );
}

function renderTrialBalance(tb, currency) {
  if (!tb) return fill(byId('trial-balance'), h('p', {}, 'No entries.'));
  fill(
    byId('trial-balance'),
    table({
      caption: `Trial balance as of ${tb.asOf}, ${currency}; debits equal credits when the books balance`,
      headers: ['Account', 'Debit', 'Credit'],
      rows: [
        ...Object.entries(tb.accounts).map(([a, dc]) => [a, dc.debit ? money(dc.debit, currency) : '', dc.credit ? money(dc.credit, currency) : '']),
        [h('strong', {}, 'Total'), h('strong', {}, money(tb.totals.debit, currency)), h('strong', {}, money(tb.totals.credit, currency))],
      ],
      numeric: [1, 2],
      rowHeaders: true,
    }),
  );
}

/** Months that may be closed: ended, not closed yet, the last two years. */
function renderClose() {
  if (!can('admin')) return;
  const now = new Date();
  const options = [];
  for (let back = 1; back <= 24; back++) {
    const m = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7);
    if (!closed.has(m)) options.push(h('option', { value: m }, m));
  }
  fill(byId('close-month'), options);
  byId('close').hidden = false;
}

async function load() {
  const q = select.value ? `?currency=${select.value}` : '';
  const [revenue, waterfall, balances, trial] = await Promise.all([
    api(`/v1/reports/revenue-by-month${q}`),
    api(`/v1/reports/waterfall${q}`),
    api(`/v1/reports/closing-balances${q}`),
    api(`/v1/reports/trial-balance${q}`),
  ]);
  const currencies = Object.keys(revenue).sort();
  if (!select.value && currencies.length > 0) {
    fill(select, currencies.map((c) => h('option', { value: c }, c)));
    if (currencies.length > 1) return load();
  }
  const currency = select.value || currencies[0];
  if (!currency) return showMessage('The ledger has no entries yet.');
  renderRevenue(revenue[currency] ?? {}, currency);
  renderWaterfall(waterfall[currency] ?? {}, currency);
  renderBalances(balances[currency] ?? {}, currency);
  renderTrialBalance(trial[currency], currency);
}

async function loadClosed() {
  closed = new Map((await api('/v1/periods')).items.map((p) => [p.period, p]));
}

select.addEventListener('change', () => load().catch((err) => showMessage(err.message, 'error')));
for (const button of document.querySelectorAll('[data-csv]')) {
  button.addEventListener('click', () => {
    const report = button.dataset.csv;
    const q = select.value ? `currency=${select.value}&` : '';
    downloadCsv(`/v1/reports/${report}?${q}format=csv`, `${report}${select.value ? `-${select.value}` : ''}.csv`).catch((err) => showMessage(err.message, 'error'));
  });
}
byId('close-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const month = byId('close-month').value;
  const ok = await confirmAction({
    title: `Close ${month}?`,
    details: h('p', {}, `No ledger entry dated in ${month} or earlier can be written afterwards; late changes post to the next open month. This cannot be undone.`),
    action: `Close ${month}`,
  });
  if (!ok) return;
  try {
    const result = await api(`/v1/periods/${month}/close`, { method: 'POST' });
    showMessage(result.alreadyClosed ? `${month} was already closed.` : `${month} is closed.`, 'success');
    await loadClosed();
    renderClose();
    await load();
  } catch (err) {
    showMessage(`Could not close ${month}: ${err.message}`, 'error');
  }
});

if (startPage()) {
  try {
    await loadClosed();
    renderClose();
    await load();
  } catch (err) {
    showMessage(`Could not read the reports: ${err.message}`, 'error');
  }
  document.body.dataset.loaded = 'true';
}
