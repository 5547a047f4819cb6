// Rendering results: a human table with side-by-side ratios, and the single
// machine-readable JSON line that scripts and the README's figures come from.
import type { ModeResult } from './run-mode.js';
import { withRuntime } from './runtime.js';

/** Ratios shown under the table: [label, numerator mode, denominator mode]. */
const RATIOS: readonly (readonly [string, string, string])[] = [
  ['ts_offload / c_offload', 'ts_offload', 'c_offload'],
  ['ts_offload / ts_plain', 'ts_offload', 'ts_plain'],
  ['ts_segment / c_offload', 'ts_segment', 'c_offload'],
  ['ts_segment / c_plain', 'ts_segment', 'c_plain'],
];

function gbps(results: readonly ModeResult[], mode: string): number | undefined {
  return results.find((r) => r.mode === mode)?.result?.gbps;
}

/** A fixed-width table of mode, Gbit/s and retransmits, failures with their reason, then the ratios both of whose modes ran. */
export function formatTable(results: readonly ModeResult[]): string {
  const lines = [`${'mode'.padEnd(12)} ${'Gbit/s'.padStart(8)} ${'retransmits'.padStart(12)}`];
  for (const r of results) {
    if (r.result) {
      lines.push(`${r.mode.padEnd(12)} ${r.result.gbps.toFixed(2).padStart(8)} ${String(r.result.retransmits).padStart(12)}`);
    } else {
      // One line per mode: the full error went to stderr already.
      const why = (r.error ?? '').replace(/\s+/g, ' ').slice(0, 160);
      lines.push(`${r.mode.padEnd(12)} ${'FAILED'.padStart(8)}  ${why}`);
    }
  }
  for (const [label, num, den] of RATIOS) {
    const n = gbps(results, num);
    const d = gbps(results, den);
    if (n !== undefined && d !== undefined && d > 0) lines.push(`${label.padEnd(24)} ${(n / d).toFixed(2)}x`);
  }
  return lines.join('\n');
}

/** One JSON line `{"mode":Gbit/s,...,"runtime":{...}}` with 2 decimals; a failed mode is null. */
export function formatJson(results: readonly ModeResult[]): string {
  const o: Record<string, number | null> = {};
  for (const r of results) o[r.mode] = r.result ? Number(r.result.gbps.toFixed(2)) : null;
  return JSON.stringify(withRuntime(o));
}
