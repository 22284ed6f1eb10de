import { currencyExponent } from '../../values/currencies.ts';

/** 12345 USD -> "USD 123.45", 500 JPY -> "JPY 500", -5 EUR -> "EUR -0.05"; integer math, no floats. */
export function formatAmount(minor: number, currency: string | null): string {
  if (!currency) return `${minor} (minor units)`;
  const exponent = currencyExponent(currency);
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${currency} ${sign}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}
