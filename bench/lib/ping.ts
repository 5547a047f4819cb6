// ping over a tunnel from a bench namespace: "until the first answer" (a
// tunnel is usable, a newcomer has joined) and a paced series, whose answered
// fraction and median RTT the DoS bench reports and whose every RTT the
// latency bench reads. iputils ping, run without
// blocking this process's event loop; every call is time-limited.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Netns } from '../../kit/netns.js';
import { collect } from '../../kit/run.js';
import { BenchError } from './errors.js';
import { median } from './stats.js';

/** Pause between failed single pings: before a tunnel device exists ping fails at once (no route). */
const RETRY_MS = 200;
/** How long one single ping waits for its answer (ping -W, whole seconds). */
const SINGLE_WAIT_S = 1;
/** Attempts cap of untilAnswered, on top of its deadline (each attempt takes >= RETRY_MS or SINGLE_WAIT_S). */
const MAX_ATTEMPTS = 1_000;

/** Outcome of {@link untilAnswered}. */
export interface FirstAnswer {
  /** Milliseconds from the call to the first answered ping; undefined when none came in time. */
  ms?: number;
  /** The last ping failure (for messages). */
  last: string;
}

/**
 * Pings addr from ns, one ping at a time, until one is answered or timeoutMs
 * has passed; throws BenchError when problem() reports a dead process (so a
 * crash is not reported as a slow tunnel).
 */
export async function untilAnswered(ns: Netns, addr: string, timeoutMs: number, problem: () => string | undefined): Promise<FirstAnswer> {
  const t0 = performance.now();
  let last = '';
  for (let i = 0; i < MAX_ATTEMPTS && performance.now() - t0 < timeoutMs; i++) {
    const p = problem();
    if (p) throw new BenchError('ERR_BENCH_TUNNEL', `died before answering a ping to ${addr}: ${p}`);
    try {
      await ns.execAsync('ping', ['-n', '-c', '1', '-W', String(SINGLE_WAIT_S), addr], { timeoutMs: SINGLE_WAIT_S * 1000 + 4_000 });
      return { ms: performance.now() - t0, last };
    } catch (e) {
      last = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
    }
    await sleep(RETRY_MS);
  }
  return { last };
}

/** What one `ping -n` run printed: counts from its summary line, RTTs of its answers. */
export interface PingOutput {
  sent: number;
  answered: number;
  /** RTT of each answer line, ms, in order (DUP! answers included). */
  rtts: number[];
}

/** Parses iputils `ping -n` output; throws BenchError when the summary line is missing. */
export function parsePing(stdout: string): PingOutput {
  const rtts = [...stdout.matchAll(/ time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  // Duplicates (DUP!) would count twice in the RTT list; the summary line is authoritative for counts.
  const summary = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  if (!summary) throw new BenchError('ERR_BENCH_PING', `no ping summary line in: ${stdout.trim().slice(-300)}`);
  return { sent: Number(summary[1]), answered: Number(summary[2]), rtts };
}

/** `ping -c count -i intervalS` from ns to addr, every RTT; answers after the last ping's wait do not count. */
export async function pingRun(ns: Netns, addr: string, count: number, intervalS: number): Promise<PingOutput> {
  // -W: how long ping waits for the last answers after the last request (no
  // -w: with it, ping keeps sending past count until count answers came).
  const wait = 2;
  const child = ns.spawn('ping', ['-n', '-c', String(count), '-i', String(intervalS), '-W', String(wait), addr], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child, Math.ceil(count * intervalS + wait + 10) * 1000, `ping ${addr}`);
  // Exit status 1 means "some not answered", which is a result here; 2 is an error.
  if (r.code !== 0 && r.code !== 1) throw new BenchError('ERR_BENCH_PING', `ping ${addr}: exit ${r.code ?? r.signal}: ${r.stderr.trim() || r.stdout.trim()}`);
  return parsePing(r.stdout);
}

/** A paced ping series. */
export interface PingSeries {
  sent: number;
  answered: number;
  /** Median RTT of the answered pings, ms; undefined when none was answered. */
  p50Ms?: number;
}

/** `ping -c count -i intervalS` from ns to addr: counts and the median RTT. */
export async function pingSeries(ns: Netns, addr: string, count: number, intervalS: number): Promise<PingSeries> {
  const { sent, answered, rtts } = await pingRun(ns, addr, count, intervalS);
  return rtts.length > 0 ? { sent, answered, p50Ms: median(rtts) } : { sent, answered };
}
