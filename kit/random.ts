// Deterministic pseudo-random numbers and bytes for tests and benches: the same
// seed gives the same sequence on every run, so a failure can be replayed.

/** A xorshift32 generator (Marsaglia 2003, shifts 13/17/5) over [1, 2^32); seed 0 counts as 1. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** `len` bytes from xorshift32(seed), the low byte of each draw. */
export function seededBytes(len: number, seed: number): Uint8Array {
  const next = xorshift32(seed);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = next() & 0xff;
  return out;
}
