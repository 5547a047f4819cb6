// Shared set-up for the fault tests: the node pair's addresses and small
// measurement helpers (fd count, bounded waits).
import { readdirSync } from 'node:fs';

export { OVERLAY_A, OVERLAY_B, withNodePair, type NodePair } from '../helpers/node-pair.js';

/** Open fds of this process. */
export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Rejects with `what` if p does not settle within ms. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`${what} not within ${ms} ms`)), ms)))])
    .finally(() => clearTimeout(t));
}

/** Megabytes, one decimal, for logs. */
export function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
