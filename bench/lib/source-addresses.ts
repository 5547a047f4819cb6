// Extra source addresses a bench puts on one interface of a namespace: .10
// upwards in one 198.18.x.0/24, so the first ten stay free for the links.
import { BenchError } from './errors.js';

/** The host part of the first source address. */
const FIRST_HOST = 10;
/** Source addresses fit in .10 to .254. */
export const MAX_SOURCE_ADDRESSES = 245;

/** `n` addresses "198.18.<net>.10", ".11", ...; throws BenchError for n outside 1..MAX_SOURCE_ADDRESSES. */
export function sourceAddresses(net: number, n: number, what: string): string[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SOURCE_ADDRESSES) throw new BenchError('ERR_BENCH_ARGS', `${what} must be 1..${MAX_SOURCE_ADDRESSES}, got ${n}`);
  return Array.from({ length: n }, (_, i) => `198.18.${net}.${FIRST_HOST + i}`);
}
