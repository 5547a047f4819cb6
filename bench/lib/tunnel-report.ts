// Tunnel bench results: per-contender summaries over the rounds (median,
// min/max), the human table with ratios measured in the same run, and the one
// JSON line scripts read.
import { BASELINE_SUFFIX } from './tunnel-contenders.js';
import { withRuntime } from './runtime.js';
import { median } from './stats.js';
import type { Sample } from './tunnel-run.js';

/** One contender over all rounds. */
export interface Summary {
  contender: string;
  /** Gbit/s of the successful rounds, in round order. */
  gbps: number[];
  /** Median Gbit/s, undefined when no round succeeded. */
  median?: number;
  min?: number;
  max?: number;
  /** Median sender retransmits over the successful rounds. */
  retransmits?: number;
  /** Failed rounds: `round N: reason`. */
  errors: string[];
}

/** Targets from the issue, checked (not asserted) under the table. */
export const TARGETS = { vsNebula: 8, vsWireguardGo: 8, tioGbps: 3 } as const;

/** Groups samples by contender, in the given contender order. */
export function summarize(order: readonly string[], samples: readonly Sample[]): Summary[] {
  return order.map((contender) => {
    const mine = samples.filter((s) => s.contender === contender);
    const ok = mine.flatMap((s) => (s.result ? [s.result] : []));
    const gbps = ok.map((r) => r.gbps);
    const errors = mine.filter((s) => !s.result).map((s) => `round ${s.round}: ${s.error ?? 'no result'}`);
    if (gbps.length === 0) return { contender, gbps, errors };
    return {
      contender,
      gbps,
      median: median(gbps),
      min: Math.min(...gbps),
      max: Math.max(...gbps),
      retransmits: median(ok.map((r) => r.retransmits)),
      errors,
    };
  });
}

function medianOf(sums: readonly Summary[], name: string): number | undefined {
  return sums.find((s) => s.contender === name)?.median;
}

function ratio(n: number | undefined, d: number | undefined): string {
  return n !== undefined && d !== undefined && d > 0 ? `${(n / d).toFixed(2)}x` : '-';
}

/** Table: contender, rounds ok, median/min/max Gbit/s, retransmits, ratio to nebula and wireguard_go; then tio's ratios against the targets. */
export function formatTable(sums: readonly Summary[], rounds: number): string {
  const neb = medianOf(sums, 'nebula');
  const wg = medianOf(sums, 'wireguard_go');
  // As wide as the longest name (nebula_relayed, baseline twins), so columns stay aligned.
  const w = Math.max(13, ...sums.map((s) => s.contender.length));
  const head = ['contender'.padEnd(w), 'ok'.padStart(4), 'median'.padStart(8), 'min'.padStart(8), 'max'.padStart(8), 'retr'.padStart(8), 'x nebula'.padStart(9), 'x wg-go'.padStart(9)];
  const lines = [`${head.join(' ')}   (Gbit/s; retr = median sender retransmits)`];
  for (const s of sums) {
    const ok = `${s.gbps.length}/${rounds}`.padStart(4);
    if (s.median === undefined) {
      lines.push(`${s.contender.padEnd(w)} ${ok} ${'FAILED'.padStart(8)}  ${(s.errors[0] ?? '').replace(/\s+/g, ' ').slice(0, 140)}`);
      continue;
    }
    lines.push([
      s.contender.padEnd(w),
      ok,
      s.median.toFixed(2).padStart(8),
      s.min!.toFixed(2).padStart(8),
      s.max!.toFixed(2).padStart(8),
      String(Math.round(s.retransmits!)).padStart(8),
      ratio(s.median, neb).padStart(9),
      ratio(s.median, wg).padStart(9),
    ].join(' '));
  }
  const tio = medianOf(sums, 'tio');
  if (tio !== undefined) {
    const mark = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    if (neb !== undefined && neb > 0) lines.push(`tio / nebula        ${ratio(tio, neb).padStart(8)}  (target >= ${TARGETS.vsNebula}x: ${mark(tio / neb >= TARGETS.vsNebula)})`);
    if (wg !== undefined && wg > 0) lines.push(`tio / wireguard_go  ${ratio(tio, wg).padStart(8)}  (target >= ${TARGETS.vsWireguardGo}x: ${mark(tio / wg >= TARGETS.vsWireguardGo)})`);
    const plain = medianOf(sums, 'tio_plain');
    if (plain !== undefined && plain > 0) lines.push(`tio / tio_plain     ${ratio(tio, plain).padStart(8)}`);
    lines.push(`tio                 ${tio.toFixed(2).padStart(8)}  Gbit/s (target >= ${TARGETS.tioGbps}: ${mark(tio >= TARGETS.tioGbps)})`);
  }
  // --baseline: each contender against its twin run from the other build.
  for (const s of sums) {
    if (!s.contender.endsWith(BASELINE_SUFFIX)) continue;
    const own = s.contender.slice(0, -BASELINE_SUFFIX.length);
    const label = `${own} / ${s.contender}`;
    lines.push(`${label.padEnd(21)} ${ratio(medianOf(sums, own), s.median).padStart(8)}  (this build against the baseline)`);
  }
  return lines.join('\n');
}

/** One JSON line `{"tio":G,...,"runtime":{...}}`: median Gbit/s with 2 decimals, null for a contender with no successful round. */
export function formatJson(sums: readonly Summary[]): string {
  const o: Record<string, number | null> = {};
  for (const s of sums) o[s.contender] = s.median === undefined ? null : Number(s.median.toFixed(2));
  return JSON.stringify(withRuntime(o));
}
