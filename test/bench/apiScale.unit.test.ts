import { describe, expect, it } from 'vitest';
import { splitConnections } from '../../bench/figures/apiScale.ts';

describe('API scale-out load', () => {
  it('keeps the total connections and spreads them evenly over the processes', () => {
    expect(splitConnections(10, 1)).toEqual([10]);
    expect(splitConnections(10, 2)).toEqual([5, 5]);
    expect(splitConnections(10, 4)).toEqual([3, 3, 2, 2]);
    // Every process gets at least one connection.
    expect(splitConnections(2, 4)).toEqual([1, 1, 1, 1]);
  });
});
