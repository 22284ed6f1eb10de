import pg from 'pg';

// Money is bigint in SQL and a safe integer in TS (DESIGN.md). pg returns int8 as a
// string by default; parse it, and refuse silently losing precision.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${value} is outside the safe integer range`);
  return n;
});
// Dates are UTC days: keep 'YYYY-MM-DD' as text, never a local-time Date.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);
