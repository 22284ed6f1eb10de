/**
 * Strings in code point order, which is UTF-8 byte order and Postgres's `COLLATE "C"`
 * order, without allocating (a comparator for Array.prototype.sort). JS `<` compares
 * UTF-16 units, which puts characters past U+FFFF (surrogate pairs) before U+E000–U+FFFF;
 * here, at the first differing unit, surrogates rank above them.
 */
export function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

const rank = (unit: number) => (unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800);
