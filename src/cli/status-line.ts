/**
 * The periodic one-line status of `tio up` (config tio.status_interval, docs/PROTOCOL.md
 * "Metrics"): tunnels, throughput each way since the previous line, and drops since then.
 * Read from OverlayNode.status() on a timer: nothing runs per packet for it.
 */
import type { LogFields, NodeCounters, NodeStatus } from '../tunnel/index.js';

/** The figures a status line is computed from, kept between lines. */
export interface StatusMark {
  /** When the figures were read (clock ms). */
  readonly atMs: number;
  /** Inner bytes received and sent, and drops of every reason, so far. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly drops: number;
}

/** The mark of `c`, read at `atMs`. */
export function statusMark(c: NodeCounters, atMs: number): StatusMark {
  let drops = 0;
  for (const n of Object.values(c.drops)) drops += n;
  return { atMs, bytesIn: c.bytesIn, bytesOut: c.bytesOut, drops };
}

/** Fields of the line for `s` read at `atMs`, since `prev`; also the mark for the next line. */
export function statusLine(prev: StatusMark, s: NodeStatus, atMs: number): { fields: LogFields; mark: StatusMark } {
  const mark = statusMark(s.counters, atMs);
  const seconds = Math.max(atMs - prev.atMs, 1) / 1000;
  const rate = (bytes: number): string => `${((bytes * 8) / seconds / 1e6).toFixed(2)}Mbit/s`;
  const bytesIn = mark.bytesIn - prev.bytesIn;
  const bytesOut = mark.bytesOut - prev.bytesOut;
  return {
    fields: {
      tunnels: s.tunnels.length, seconds: Math.round(seconds), bytesIn, bytesOut,
      rateIn: rate(bytesIn), rateOut: rate(bytesOut), drops: mark.drops - prev.drops,
    },
    mark,
  };
}
