import { getRandomValues } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bufferedRandom, uuidv7 } from '../../src/values/uuidv7.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7 with a buffered random source', () => {
  it('gives version-7 ids, unique and increasing across calls', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (const id of ids) expect(id).toMatch(V7);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('asks the CSPRNG once per 1,024 words (the package asks once per 8)', () => {
    let fills = 0;
    const random = bufferedRandom((buffer) => {
      fills++;
      return getRandomValues(buffer);
    });
    const words = Array.from({ length: 3 * 1024 }, () => random.nextUint32());
    expect(fills).toBe(3);
    expect(new Set(words).size).toBeGreaterThan(3 * 1024 - 5);
  });
});
