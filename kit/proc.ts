// Per-process figures from /proc, for tests and benches that watch a node's
// memory (proc(5): /proc/PID/status) or its CPU time (/proc/PID/stat).
import { execFileSync } from 'node:child_process';
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

/** CPU time a process has used, from /proc/PID/stat, in clock ticks (proc(5)). */
export interface CpuTicks {
  /** Field 14: user mode, all threads of the process. */
  utime: number;
  /** Field 15: kernel mode, all threads of the process. */
  stime: number;
}

/**
 * Parses the text of /proc/PID/stat. The command name (field 2) is in
 * parentheses and may hold spaces and parentheses itself, so fields are
 * counted from the last ')'. Throws on text of another shape.
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(')');
  if (close < 0) throw new Error(`not /proc/PID/stat text: ${text.slice(0, 80)}`);
  // After ')': field 3 (state) is index 0, so field N is index N - 3.
  const f = text.slice(close + 1).trim().split(/\s+/);
  const utime = Number(f[14 - 3]);
  const stime = Number(f[15 - 3]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`/proc/PID/stat without utime/stime: ${text.slice(0, 120)}`);
  return { utime, stime };
}

/** Clock ticks per second of /proc times: `getconf CLK_TCK` (sysconf(3)), read once. */
let clkTck: number | undefined;

function ticksPerSecond(): number {
  if (clkTck === undefined) {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 10_000 }).trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK gave ${n}`);
    clkTck = n;
  }
  return clkTck;
}

/** utime + stime of a process (all its threads) in clock ticks, or NaN once it is gone. */
export function cpuTicksOf(pid: number): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  const t = parseProcStat(text);
  return t.utime + t.stime;
}

/** CPU seconds (user + system, all threads) a running process has used so far; throws once it is gone. */
export function cpuSecondsOf(pid: number): number {
  const t = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (t.utime + t.stime) / ticksPerSecond();
}
