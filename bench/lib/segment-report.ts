// Output of the segmentation bench: a table with ratios to the yardstick row,
// and the single JSON line scripts read.
import { withRuntime } from './runtime.js';

/** A measured row. */
export interface SegmentResult {
  key: string;
  label: string;
  yardstick: boolean;
  /** Median payload GB/s (10^9 bytes/s). */
  gbs: number;
}

/** Rows reserved for later measurements, shown so that the gap is visible. */
export interface PendingRow {
  label: string;
  why: string;
}

/** Fixed-width table: label, median GB/s, ratio to the yardstick; then pending rows. */
export function formatSegmentTable(results: readonly SegmentResult[], pending: readonly PendingRow[]): string {
  const yard = results.find((r) => r.yardstick)?.gbs;
  const lines = [`${'case'.padEnd(36)} ${'GB/s'.padStart(7)} ${'x copy'.padStart(7)}`];
  for (const r of results) {
    const ratio = yard ? (r.gbs / yard).toFixed(2) : '-';
    lines.push(`${r.label.padEnd(36)} ${r.gbs.toFixed(2).padStart(7)} ${ratio.padStart(7)}`);
  }
  for (const p of pending) lines.push(`${p.label.padEnd(36)} ${'-'.padStart(7)} ${'-'.padStart(7)}  (${p.why})`);
  return lines.join('\n');
}

/** One JSON line `{"<key>_gbs": GB/s, ..., "runtime": {...}}`, 2 decimals. */
export function formatSegmentJson(results: readonly SegmentResult[]): string {
  const o: Record<string, number> = {};
  for (const r of results) o[`${r.key}_gbs`] = Number(r.gbs.toFixed(2));
  return JSON.stringify(withRuntime(o));
}
