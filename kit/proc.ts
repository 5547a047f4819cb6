// Per-process figures from /proc, for tests and benches that watch a node's
// memory and CPU (proc(5): /proc/PID/status, /proc/PID/stat).
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

/** utime + stime of a process (all its threads) in clock ticks (USER_HZ, 100 on Linux; proc(5) /proc/PID/stat fields 14 and 15), or NaN once it is gone. */
export function cpuTicksOf(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return Number.NaN;
  }
}
