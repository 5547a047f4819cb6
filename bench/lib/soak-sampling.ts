// The soak's measurements: throughput, RSS and CPU of both nodes and the
// kernel's drop counters, read from /proc every --interval seconds until the
// transfer ends, a node dies, bytes stop moving or time runs out.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuTicksOf, rssOf } from '../../kit/proc.js';
import { GB, type SoakOptions } from './soak-options.js';
import type { SoakLoad } from './soak-load.js';
import { DEV_A, DEV_B, type SoakRig } from './soak-setup.js';

/** Kernel counters of the namespace `pid` lives in (/proc/PID/net is that namespace's view). */
export interface NetCounters {
  tcpRetransSegs: number;
  udpInErrors: number;
  udpRcvbufErrors: number;
  udpSndbufErrors: number;
  tunRxDropped: number;
  tunTxDropped: number;
}

function snmp(pid: number, proto: string, field: string): number {
  try {
    const lines = readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n').filter((l) => l.startsWith(`${proto}:`));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf(field)]);
  } catch {
    return Number.NaN;
  }
}

function devDrops(pid: number, dev: string): { rx: number; tx: number } {
  try {
    const line = readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').find((l) => l.trim().startsWith(`${dev}:`));
    const f = line!.slice(line!.indexOf(':') + 1).trim().split(/\s+/).map(Number);
    return { rx: f[3]!, tx: f[11]! };
  } catch {
    return { rx: Number.NaN, tx: Number.NaN };
  }
}

/** The counters of the namespace of `pid`, with `dev`'s drops. */
export function counters(pid: number, dev: string): NetCounters {
  const d = devDrops(pid, dev);
  return {
    tcpRetransSegs: snmp(pid, 'Tcp', 'RetransSegs'),
    udpInErrors: snmp(pid, 'Udp', 'InErrors'),
    udpRcvbufErrors: snmp(pid, 'Udp', 'RcvbufErrors'),
    udpSndbufErrors: snmp(pid, 'Udp', 'SndbufErrors'),
    tunRxDropped: d.rx,
    tunTxDropped: d.tx,
  };
}

/** b - a, field by field. */
export function diff(a: NetCounters, b: NetCounters): NetCounters {
  const out = {} as NetCounters;
  for (const k of Object.keys(a) as (keyof NetCounters)[]) out[k] = b[k] - a[k];
  return out;
}

/** One report interval. */
export interface Sample {
  t: number;
  gbit: number;
  bytes: number;
  rssA: number;
  rssB: number;
  cpuA: number;
  cpuB: number;
  retrans: number;
  udpErrors: number;
}

/** Both nodes' counters at the start of the transfer. */
export interface Baseline {
  a: NetCounters;
  b: NetCounters;
  /** performance.now() when the source started. */
  start: number;
}

/** Takes the baseline; call just before the source starts. */
export function baseline(rig: SoakRig): Baseline {
  return { a: counters(rig.ta.pid, DEV_A), b: counters(rig.tb.pid, DEV_B), start: performance.now() };
}

/** What the sampling loop saw. */
export interface Sampled {
  samples: Sample[];
  /** Why the soak failed, or null when the sink got everything. */
  failure: string | null;
  seconds: number;
}

/** n with d decimals, '-' when it is not a number (a process already gone). */
export const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

/** Column header of the per-interval lines. */
export const SAMPLE_HEADER = '     t s   Gbit/s    moved GB   RSS a MB   RSS b MB   CPU a %   CPU b %   retrans   udp err';

function sampleLine(s: Sample): string {
  return `${fmt(s.t).padStart(7)} ${fmt(s.gbit, 2).padStart(8)} ${fmt(s.bytes / GB, 2).padStart(11)} ${fmt(s.rssA).padStart(10)} ${fmt(s.rssB).padStart(10)} ${fmt(s.cpuA, 0).padStart(9)} ${fmt(s.cpuB, 0).padStart(9)} ${String(s.retrans).padStart(9)} ${String(s.udpErrors).padStart(9)}`;
}

/** Polling step: how soon the end of the transfer or a stall is noticed. */
const STEP_MS = 250;
/** Upper bound on polling steps, a backstop behind --max-seconds. */
const MAX_TICKS = 1e7;

/** Samples every o.intervalS until the transfer ends or fails; `say` gets each line. */
export async function sample(rig: SoakRig, load: SoakLoad, o: SoakOptions, base: Baseline, say: (s: string) => void): Promise<Sampled> {
  const { ta, tb } = rig;
  const pidA = ta.pid;
  const pidB = tb.pid;
  const start = base.start;
  const samples: Sample[] = [];
  let last = { t: start, bytes: 0, cpuA: cpuTicksOf(pidA), cpuB: cpuTicksOf(pidB), retrans: base.a.tcpRetransSegs, udp: base.a.udpInErrors + base.b.udpInErrors };
  let lastProgress = start;
  let lastBytes = 0;
  let failure: string | null = null;
  for (let ticks = 0; ; ticks++) {
    await sleep(STEP_MS);
    const now = performance.now();
    const sinkBytes = load.sink.progress();
    if (sinkBytes > lastBytes) {
      lastBytes = sinkBytes;
      lastProgress = now;
    }
    const finished = load.sinkDone !== null;
    if (now - last.t >= o.intervalS * 1000 || finished) {
      const ca = counters(pidA, DEV_A);
      const cb = counters(pidB, DEV_B);
      const cpuA = cpuTicksOf(pidA);
      const cpuB = cpuTicksOf(pidB);
      const dt = (now - last.t) / 1000;
      const s: Sample = {
        t: (now - start) / 1000,
        gbit: ((sinkBytes - last.bytes) * 8) / dt / 1e9,
        bytes: sinkBytes,
        rssA: rssOf(pidA) / 1048576,
        rssB: rssOf(pidB) / 1048576,
        cpuA: (cpuA - last.cpuA) / dt,
        cpuB: (cpuB - last.cpuB) / dt,
        retrans: ca.tcpRetransSegs - last.retrans,
        udpErrors: ca.udpInErrors + cb.udpInErrors - last.udp,
      };
      samples.push(s);
      say(sampleLine(s));
      last = { t: now, bytes: sinkBytes, cpuA, cpuB, retrans: ca.tcpRetransSegs, udp: ca.udpInErrors + cb.udpInErrors };
    }
    if (finished) break;
    if (ta.child.exitCode !== null || tb.child.exitCode !== null || ta.child.signalCode !== null || tb.child.signalCode !== null) {
      failure = `a tio node exited during the soak (a: ${String(ta.child.exitCode ?? ta.child.signalCode)}, b: ${String(tb.child.exitCode ?? tb.child.signalCode)})`;
      break;
    }
    if (now - lastProgress > o.stallSeconds * 1000) {
      failure = `no byte moved for ${o.stallSeconds} s (stuck at ${(sinkBytes / GB).toFixed(3)} GB)`;
      break;
    }
    if (now - start > o.maxSeconds * 1000) {
      failure = `not done within --max-seconds ${o.maxSeconds}`;
      break;
    }
    if (ticks > MAX_TICKS) break;
  }
  const seconds = (performance.now() - start) / 1000;
  // The source reports after its last write was flushed; give it a moment once the sink is done.
  for (let i = 0; i < 40 && load.sourceDone === null && failure === null; i++) await sleep(50);
  return { samples, failure, seconds };
}
