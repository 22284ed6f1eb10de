import { api, readiness } from '../lib/api.js';
import { COLORS, draw } from '../lib/charts.js';
import { byId, fill, h, stat, table } from '../lib/dom.js';
import { count, instant, seconds, time } from '../lib/format.js';
import { showMessage, startPage } from '../lib/session.js';

const STATES = ['created', 'retry', 'active', 'completed', 'failed', 'cancelled'];
const REFRESH_MS = 5000;

function renderStatus(status, ready) {
  fill(
    byId('stats'),
    stat('Outbox backlog', count(status.outbox.pending), 'events not yet relayed'),
    stat('Oldest pending', status.outbox.pending ? seconds(status.outbox.oldestPendingSeconds) : '—', 'age of the oldest outbox row'),
    stat('Failed-job archive', count(status.archive.total), `${count(status.archive.notReplayed)} not replayed`),
    stat('Drained', status.drained ? 'yes' : 'no', 'nothing waiting, retrying or running'),
    stat('Readiness', ready.status === 'ok' ? 'ready' : 'not ready', ready.reason ?? Object.keys(ready.checks ?? {}).join(', ')),
  );
  const queues = Object.entries(status.queues).sort(([a], [b]) => a.localeCompare(b));
  fill(
    byId('queues'),
    queues.length === 0
      ? h('p', {}, 'No queues yet: no relay or worker has started on this database.')
      : table({
          caption: 'Jobs per queue (rows) and state (columns); the events relays applied themselves, without a job, in the last column',
          headers: ['Queue', ...STATES, 'applied in relay'],
          rows: queues.map(([name, c]) => [
            name,
            ...STATES.map((s) => h('span', { dataset: { queue: name, state: s } }, count(c[s]))),
            h('span', { dataset: { queue: name, state: 'appliedInRelay' } }, count(status.appliedInRelay?.[name] ?? 0)),
          ]),
          numeric: [1, 2, 3, 4, 5, 6, 7],
          rowHeaders: true,
          className: 'queues',
        }),
  );
  const breakers = Object.entries(status.breakers);
  fill(
    byId('breakers'),
    breakers.length === 0
      ? h('p', {}, 'No circuit breaker has tripped or been recorded.')
      : table({
          caption: 'Circuit breakers',
          headers: ['Breaker', 'State', 'Failures', 'Opened', 'Next attempt', 'Last error'],
          rows: breakers.map(([name, b]) => [name, h('span', { class: `badge ${b.state}` }, b.state), count(b.failures), instant(b.openedAt), instant(b.nextAttemptAt), b.lastError ?? '—']),
          numeric: [2],
          rowHeaders: true,
        }),
  );
  const db = status.database;
  fill(
    byId('database'),
    h(
      'dl',
      { class: 'pairs' },
      h('dt', {}, 'Role'), h('dd', {}, db.role),
      h('dt', {}, 'Superuser'), h('dd', {}, db.superuser ? 'yes' : 'no'),
      h('dt', {}, 'Owns the tables'), h('dd', {}, db.ownsTables ? 'yes' : 'no'),
      ...Object.entries(ready.checks ?? {}).flatMap(([name, c]) => [h('dt', {}, `Check: ${name}`), h('dd', {}, c.status, c.detail ? ` (${c.detail})` : '')]),
    ),
    db.warning ? h('p', { class: 'warning' }, db.warning) : null,
  );
}

function renderThroughput(t) {
  const labels = t.minutes.map((m) => time(m.minute));
  draw(byId('throughput-chart'), {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'Events relayed / min', data: t.minutes.map((m) => m.relayed), borderColor: COLORS[0], backgroundColor: COLORS[0], yAxisID: 'jobs' },
        { label: 'Events completed / min', data: t.minutes.map((m) => m.completed), borderColor: COLORS[1], backgroundColor: COLORS[1], yAxisID: 'jobs' },
        { label: 'Events failed / min', data: t.minutes.map((m) => m.failed), borderColor: COLORS[2], backgroundColor: COLORS[2], yAxisID: 'jobs' },
        { label: 'Mean relay lag (ms)', data: t.minutes.map((m) => m.lagAvgMs), borderColor: COLORS[3], backgroundColor: COLORS[3], borderDash: [4, 3], yAxisID: 'lag', spanGaps: false },
      ],
    },
    options: {
      scales: {
        jobs: { type: 'linear', position: 'left', beginAtZero: true, title: { display: true, text: 'events per minute (per subscriber)' } },
        lag: { type: 'linear', position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'relay lag, ms' } },
      },
    },
  });
  const busy = t.minutes.filter((m) => m.relayed + m.completed + m.failed > 0);
  fill(
    byId('throughput-table'),
    busy.length === 0
      ? h('p', {}, 'No events moved in the last hour.')
      : table({
          caption: 'Minutes with events moved',
          headers: ['Minute (UTC)', 'Relayed', 'Completed', 'Failed', 'Mean lag (ms)', 'Max lag (ms)'],
          rows: busy.map((m) => [time(m.minute), count(m.relayed), count(m.completed), count(m.failed), m.lagAvgMs ?? '—', m.lagMaxMs ?? '—']),
          numeric: [1, 2, 3, 4, 5],
          rowHeaders: true,
        }),
  );
}

async function refresh() {
  try {
    const [status, ready, throughput] = await Promise.all([api('/v1/ops/status'), readiness(), api('/v1/ops/throughput?minutes=60')]);
    renderStatus(status, ready);
    renderThroughput(throughput);
    byId('updated').textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC.`;
    document.body.dataset.loaded = 'true';
    showMessage('');
  } catch (err) {
    showMessage(`Could not refresh: ${err.message}`, 'error');
  }
}

if (startPage()) {
  await refresh();
  // Refreshes while the tab is visible; a hidden tab asks nothing.
  setInterval(() => {
    if (!document.hidden) void refresh();
  }, REFRESH_MS);
}
