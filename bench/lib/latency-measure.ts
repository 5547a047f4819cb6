// What bench:latency measures on one live tunnel, in this order: ping RTTs
// under one bulk iperf3 TCP stream, with the CPU time of the tunnel's
// processes over that stream per GB it moved; the rate of 64-byte UDP
// datagrams, sent unlimited, that reach a sink at the far end
// (udp-flood.ts); then, once the tunnel has been quiet for IDLE_SETTLE_S,
// ping RTTs while idle. Idle comes last so that it measures a tunnel that
// has carried traffic, as a deployed one has: right after start a
// JIT-compiled node still runs much of its path in the interpreter
// (docs/LATENCY.md "Lone packets").
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSecondsOf } from '../../kit/proc.js';
import { BenchError } from './errors.js';
import { pingRun, type PingOutput } from './ping.js';
import { startRttCapture, type RttSplit } from './rtt-split.js';
import { percentile } from './stats.js';
import { iperfTcp } from './tunnel-iperf.js';
import { udpFloodRate } from './udp-flood.js';
import type { LiveTunnel } from './tunnel-run.js';

/** How much of each measurement one run takes. */
export interface LatencySpec {
  /** Pings of the idle series. */
  idlePings: number;
  /** Seconds between pings (ping -i; below 0.2 needs root, which the bench has). */
  pingIntervalS: number;
  /** Seconds of the bulk TCP stream; its pings start BULK_PING_DELAY_S in and end before it does. */
  bulkSeconds: number;
  /** Seconds of the UDP flood. */
  udpSeconds: number;
  /** Split each ping series' RTTs into forward, B's turnaround and reverse (rtt-split.ts; needs tcpdump). */
  split: boolean;
}

/** One run's figures. */
export interface LatencyResult {
  idleP50Ms: number;
  idleP99Ms: number;
  bulkP50Ms: number;
  bulkP99Ms: number;
  /** Gbit/s of the bulk stream (for scale: the CPU figure divides by it). */
  bulkGbps: number;
  /** UDP 64-byte payloads received per second at the far end. */
  udpPps: number;
  /** CPU seconds of the tunnel's processes (user + system, all threads) per GB the bulk stream moved; undefined without processes (veth). */
  cpuSPerGb?: number;
  /** With `split`: p50 ms of the idle pings' forward (A's request to B's) and reverse (B's reply to A's) legs. */
  idleFwdP50Ms?: number;
  idleRevP50Ms?: number;
  /** With `split`: p99 ms of the same legs under the bulk stream. */
  bulkFwdP99Ms?: number;
  bulkRevP99Ms?: number;
}

/** UDP payload of the small-packet flood, bytes (issue 18: 64-byte payloads). */
export const UDP_PAYLOAD = 64;
/** Seconds into the bulk stream before its pings start (past TCP slow start). */
export const BULK_PING_DELAY_S = 1;
/** Seconds of the bulk stream left after its last ping (ping's own wait for the last answer). */
const BULK_TAIL_S = 1;
/** Seconds of quiet before the idle pings: nothing in flight, every queue drained. */
const IDLE_SETTLE_S = 1;

/** p50 and p99 of a ping series; throws when nothing was answered. */
function rttPercentiles(p: PingOutput, what: string): { p50: number; p99: number } {
  if (p.rtts.length === 0) throw new BenchError('ERR_BENCH_PING', `${what}: none of ${p.sent} pings answered`);
  return { p50: percentile(p.rtts, 50), p99: percentile(p.rtts, 99) };
}

function cpuOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + cpuSecondsOf(pid), 0);
}

/** A ping series, and with `split` where its round trips went. */
interface Series {
  ping: PingOutput;
  split?: RttSplit;
}

async function pingSeries(live: LiveTunnel, spec: LatencySpec, count: number): Promise<Series> {
  const addr = live.tunnel.serverAddr;
  if (!spec.split) return { ping: await pingRun(live.a, addr, count, spec.pingIntervalS) };
  const capture = await startRttCapture(live.a, live.b);
  let ping: PingOutput;
  try {
    ping = await pingRun(live.a, addr, count, spec.pingIntervalS);
  } catch (e) {
    await capture.stop();
    throw e;
  }
  return { ping, split: await capture.stop() };
}

/** The p-th percentile of one leg; throws when no echo was seen at all four points. */
function legPercentile(xs: readonly number[] | undefined, p: number, what: string): number {
  if (xs === undefined || xs.length === 0) throw new BenchError('ERR_BENCH_CAPTURE', `${what}: tcpdump saw no echo at all four points`);
  return percentile(xs, p);
}

/** Pings the bulk run carries: as many as fit between its delay and its tail. */
export function bulkPings(spec: LatencySpec): number {
  return Math.max(1, Math.floor((spec.bulkSeconds - BULK_PING_DELAY_S - BULK_TAIL_S) / spec.pingIntervalS));
}

/** Runs the three measurements on `live`, from A to B's tunnel address. */
export async function measureLatency(live: LiveTunnel, spec: LatencySpec): Promise<LatencyResult> {
  const { a, b, tunnel } = live;
  const addr = tunnel.serverAddr;

  const pids = tunnel.pids;
  let cpu0 = 0;
  let pings: Promise<Series> | undefined;
  const bulk = await iperfTcp(a, b, addr, spec.bulkSeconds, 1, 0, () => {
    cpu0 = cpuOf(pids);
    pings = sleep(BULK_PING_DELAY_S * 1000).then(() => pingSeries(live, spec, bulkPings(spec)));
    // Awaited below; a failure must not surface as an unhandled rejection meanwhile.
    pings.catch(() => undefined);
  });
  const cpu = cpuOf(pids) - cpu0;
  if (!pings) throw new BenchError('ERR_BENCH_IPERF', 'iperf3 client never started');
  const bulkSeries = await pings;
  const loaded = rttPercentiles(bulkSeries.ping, 'pings under the bulk stream');
  if (!(bulk.bytes > 0)) throw new BenchError('ERR_BENCH_IPERF', 'the bulk stream moved no bytes');

  const udpPps = await udpFloodRate(a, b, addr, spec.udpSeconds, UDP_PAYLOAD);
  await sleep(IDLE_SETTLE_S * 1000);
  const idleSeries = await pingSeries(live, spec, spec.idlePings);
  const idle = rttPercentiles(idleSeries.ping, 'idle pings');
  const out: LatencyResult = { idleP50Ms: idle.p50, idleP99Ms: idle.p99, bulkP50Ms: loaded.p50, bulkP99Ms: loaded.p99, bulkGbps: bulk.gbps, udpPps };
  if (pids.length > 0) out.cpuSPerGb = cpu / (bulk.bytes / 1e9);
  if (spec.split) {
    out.idleFwdP50Ms = legPercentile(idleSeries.split?.forward, 50, 'idle pings');
    out.idleRevP50Ms = legPercentile(idleSeries.split?.reverse, 50, 'idle pings');
    out.bulkFwdP99Ms = legPercentile(bulkSeries.split?.forward, 99, 'pings under the bulk stream');
    out.bulkRevP99Ms = legPercentile(bulkSeries.split?.reverse, 99, 'pings under the bulk stream');
  }
  return out;
}
