import { getRandomValues } from 'node:crypto';
import { V7Generator } from 'uuidv7';

// The uuidv7 package refills a buffer of 8 random words per crypto call, and an id in a
// new millisecond takes 3 words: a call per ~2.7 ids. Each call is OpenSSL's RAND, which
// checks getpid() (a syscall) for a fork: ~2.3 % of the API's busy main thread on
// POST /v1/invoices (3 ids a request: correlation, invoice, event) and 0.7 getpid calls
// a request. 1,024 words a refill (4 KiB of the same CSPRNG) make it a call per ~340 ids.
const WORDS = 1024;

/** Random 32-bit words for V7Generator, `fill`ed (crypto.getRandomValues) 1,024 at a time. */
export function bufferedRandom(fill: (buffer: Uint32Array) => unknown = getRandomValues): { nextUint32(): number } {
  const buffer = new Uint32Array(WORDS);
  let cursor = WORDS;
  return {
    nextUint32() {
      if (cursor >= WORDS) {
        fill(buffer);
        cursor = 0;
      }
      return buffer[cursor++]!;
    },
  };
}

// One generator for the process, like the package's own uuidv7(): ids stay
// monotonically increasing across every caller.
const generator = new V7Generator(bufferedRandom());

/** A UUIDv7 string (time-ordered, then random), as the uuidv7 package's uuidv7(). */
export function uuidv7(): string {
  return generator.generate().toString();
}
