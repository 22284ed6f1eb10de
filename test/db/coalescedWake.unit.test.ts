import { describe, expect, it } from 'vitest';
import { coalescedWake } from '../../src/db/wakeRelay.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('coalescedWake', () => {
  it('keeps one send in flight and sends exactly once more for the wakes made meanwhile', async () => {
    const sends: ReturnType<typeof deferred>[] = [];
    const w = coalescedWake(
      () => {
        const d = deferred();
        sends.push(d);
        return d.promise;
      },
      () => {},
    );
    w.wake();
    await Promise.resolve();
    expect(sends).toHaveLength(1);
    w.wake();
    w.wake();
    w.wake();
    await Promise.resolve();
    expect(sends).toHaveLength(1);
    sends[0]!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(sends).toHaveLength(2); // the last wake-up is not lost
    sends[1]!.resolve();
    await w.idle();
    expect(sends).toHaveLength(2);
    w.wake();
    await new Promise((r) => setTimeout(r, 0));
    expect(sends).toHaveLength(3);
    sends[2]!.resolve();
    await w.idle();
  });

  it('reports a failed send and keeps waking afterwards', async () => {
    const errors: string[] = [];
    let calls = 0;
    const w = coalescedWake(
      async () => {
        calls++;
        if (calls === 1) throw new Error('connection refused');
      },
      (err) => errors.push(err.message),
    );
    w.wake();
    w.wake();
    await w.idle();
    expect(errors).toEqual(['connection refused']);
    expect(calls).toBe(2);
  });
});
