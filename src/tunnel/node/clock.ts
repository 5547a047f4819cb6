/**
 * The node's clock: milliseconds since the Unix epoch at sub-millisecond
 * resolution (performance.timeOrigin + performance.now()). Monotonic within a
 * thread, and, unlike performance.now() alone, comparable across the worker
 * threads of a multi-queue node (each thread has its own performance.timeOrigin),
 * which is what shared liveness stamps need.
 */
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

/** Now, in epoch milliseconds (see module comment). */
export function clock(): number {
  return origin + performance.now();
}
