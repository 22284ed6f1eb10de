// Chart.js (served from the project's node_modules as /console/vendor/chart.umd.min.js)
// draws on a canvas; each chart also has a table of the same figures beside it for
// screen readers and for copying.

const charts = new WeakMap();

/** Draws or redraws a chart on `canvas`; `config` is Chart.js's. Animation off: the page refreshes itself. */
export function draw(canvas, config) {
  const Chart = globalThis.Chart;
  const existing = charts.get(canvas);
  if (existing) {
    existing.data = config.data;
    existing.update('none');
    return existing;
  }
  const chart = new Chart(canvas, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } });
  charts.set(canvas, chart);
  return chart;
}

export const COLORS = ['#2563eb', '#16a34a', '#dc2626', '#9333ea', '#ea580c', '#0891b2'];
