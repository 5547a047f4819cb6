// bench:peers's arguments that need more than a number, the figures derived
// from the raw samples (memory per tunnel, tio/nebula ratios), and the table
// and JSON line it prints.
import { BenchError } from './errors.js';
import type { PeersSample, StepResult } from './peers-run.js';

/** Most tunnels a run may ask for: the overlay /16 holds 65,534 hosts, and 65,000 leaves room for the node and its neighbours. */
export const MAX_TUNNELS = 65_000;

/** Parses "1,100,1000": distinct integers 1..MAX_TUNNELS, returned ascending; throws BenchError otherwise. */
export function parseSteps(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new BenchError('ERR_BENCH_ARGS', '--steps is empty');
  const steps = parts.map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s) || !Number.isInteger(n) || n < 1 || n > MAX_TUNNELS) throw new BenchError('ERR_BENCH_ARGS', `--steps: ${s} is not an integer 1..${MAX_TUNNELS}`);
    return n;
  });
  const sorted = [...new Set(steps)].sort((a, b) => a - b);
  if (sorted.length !== steps.length) throw new BenchError('ERR_BENCH_ARGS', `--steps lists a count twice: ${text}`);
  return sorted;
}

/** Bytes per tunnel at `step` against the sample's first step: (RSS at N - RSS at the first) / (N - first); NaN for the first step or a missing figure. */
export function perTunnel(steps: readonly StepResult[], step: StepResult, which: 'rssIdle' | 'rssAfter'): number {
  const base = steps[0];
  if (base === undefined || step.tunnels <= base.tunnels) return Number.NaN;
  return (step[which] - base[which]) / (step.tunnels - base.tunnels);
}

/** a / b, NaN unless both are finite and b is not 0. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

const MIB = 1024 * 1024;

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** The rows of the table: one per tunnel count and contender. */
interface Row {
  cells: string[];
}

const HEADER = ['tunnels', 'contender', 'RSS MiB', 'after traffic', 'KiB/tunnel', 'after traffic', 'handshakes/s', 'msg1/hs',
  'ping p50/p99 us', 'echo/s', 'echo p50 us', 'CPU us/echo'];

function rowOf(s: PeersSample, st: StepResult): Row {
  return {
    cells: [
      String(st.tunnels), s.contender, fmt(st.rssIdle / MIB, 1), fmt(st.rssAfter / MIB, 1),
      fmt(perTunnel(s.steps, st, 'rssIdle') / 1024, 2), fmt(perTunnel(s.steps, st, 'rssAfter') / 1024, 2),
      fmt(st.handshakesPerS, 0), fmt(st.msg1PerHandshake, 2),
      `${st.ping.p50Us}/${st.ping.p99Us}`, fmt(st.echoPerS, 0), String(st.echoRtt.p50Us), fmt(st.cpuUsPerEcho, 1),
    ],
  };
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The figures table, every contender's steps by tunnel count. */
export function formatPeersTable(samples: readonly PeersSample[]): string {
  const counts = [...new Set(samples.flatMap((s) => s.steps.map((st) => st.tunnels)))].sort((a, b) => a - b);
  const rows: string[][] = [HEADER];
  for (const n of counts) {
    for (const s of samples) {
      const st = s.steps.find((x) => x.tunnels === n);
      if (st) rows.push(rowOf(s, st).cells);
    }
  }
  return table(rows);
}

/** The ratios of `a` to `b` (e.g. tio / nebula) at each tunnel count both reached. */
export function peersRatios(a: PeersSample, b: PeersSample): { tunnels: number; rss: number; perTunnel: number; perTunnelAfter: number; handshakes: number; pingP50: number; echo: number; cpuPerEcho: number }[] {
  const out = [];
  for (const sa of a.steps) {
    const sb = b.steps.find((x) => x.tunnels === sa.tunnels);
    if (!sb) continue;
    out.push({
      tunnels: sa.tunnels,
      rss: ratio(sa.rssIdle, sb.rssIdle),
      perTunnel: ratio(perTunnel(a.steps, sa, 'rssIdle'), perTunnel(b.steps, sb, 'rssIdle')),
      perTunnelAfter: ratio(perTunnel(a.steps, sa, 'rssAfter'), perTunnel(b.steps, sb, 'rssAfter')),
      handshakes: ratio(sa.handshakesPerS, sb.handshakesPerS),
      pingP50: ratio(sa.ping.p50Us, sb.ping.p50Us),
      echo: ratio(sa.echoPerS, sb.echoPerS),
      cpuPerEcho: ratio(sa.cpuUsPerEcho, sb.cpuUsPerEcho),
    });
  }
  return out;
}

/** The ratio table of a to b. */
export function formatPeersRatios(a: PeersSample, b: PeersSample): string {
  const rows: string[][] = [[`${a.contender}/${b.contender}`, 'RSS', 'KiB/tunnel', 'after traffic', 'handshakes/s', 'ping p50', 'echo/s', 'CPU us/echo']];
  for (const r of peersRatios(a, b)) {
    rows.push([`${r.tunnels} tunnels`, fmt(r.rss, 2), fmt(r.perTunnel, 2), fmt(r.perTunnelAfter, 2), fmt(r.handshakes, 2), fmt(r.pingP50, 2), fmt(r.echo, 2), fmt(r.cpuPerEcho, 2)]);
  }
  return table(rows);
}

/** One JSON line: every sample with its derived per-tunnel figures, and the versions. */
export function formatPeersJson(samples: readonly PeersSample[], versions: Record<string, string>): string {
  return JSON.stringify({
    bench: 'peers',
    versions,
    samples: samples.map((s) => ({
      ...s,
      steps: s.steps.map((st) => ({ ...st, bytesPerTunnel: perTunnel(s.steps, st, 'rssIdle'), bytesPerTunnelAfter: perTunnel(s.steps, st, 'rssAfter') })),
    })),
  }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}
