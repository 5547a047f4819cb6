// The header counter is a u64. JS numbers hold it exactly only below 2^53, so the
// per-packet code carries it as two u32 halves and only converts for convenience.

/** 2^32: weight of the high half of a u64 counter. */
export const TWO_POW_32 = 4294967296;

/** High u32 half of a counter given as a non-negative safe integer. */
export function counterHigh(counter: number): number {
  return Math.floor(counter / TWO_POW_32) >>> 0;
}

/** Low u32 half of a counter given as a non-negative safe integer. */
export function counterLow(counter: number): number {
  return counter >>> 0;
}

/** hi * 2^32 + lo as a number: exact while hi < 2^21 (counter < 2^53), rounded above. */
export function counterNumber(hi: number, lo: number): number {
  return hi * TWO_POW_32 + lo;
}

/** Whether hi/lo is exactly representable as a number (counter <= Number.MAX_SAFE_INTEGER). */
export function counterIsSafe(hi: number): boolean {
  return hi < 0x200000;
}

/** The counter hi/lo as a bigint, exact over the whole u64 range (allocates: not for the hot path). */
export function counterBigInt(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
