// Amounts arrive as integers in the currency's minor unit; the exponent comes from
// Intl (USD 2, JPY 0, KWD 3), the same table ISO 4217 gives the server.

const formats = new Map();
function currencyFormat(currency) {
  let f = formats.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { style: 'currency', currency });
    formats.set(currency, f);
  }
  return f;
}

export const exponent = (currency) => currencyFormat(currency).resolvedOptions().maximumFractionDigits;

/** 123456 USD → "$1,234.56" */
export function money(minor, currency) {
  if (minor === null || minor === undefined) return '—';
  return currencyFormat(currency).format(minor / 10 ** exponent(currency));
}

/** The amount in major units, as a chart plots it. */
export const major = (minor, currency) => minor / 10 ** exponent(currency);

export const count = (n) => new Intl.NumberFormat('en-US').format(n);

export function seconds(s) {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "2026-11-30 14:05:09 UTC" */
export function instant(iso) {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export const time = (iso) => iso.slice(11, 16);
