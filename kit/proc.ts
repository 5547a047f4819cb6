// Per-process figures from /proc, for tests and benches that watch a node's
// memory (proc(5): /proc/PID/status).
import { readFileSync } from 'node:fs';

/** Resident set size of a process in bytes (VmRSS), or NaN once it is gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
