// bench:latency's chart: four panels side by side (idle RTT p50, RTT p99
// under a bulk stream, 64-byte UDP packets/s, CPU seconds per GB), one bar
// per contender at its median with a min-max whisker. Colours, escaping and
// axis steps are bench:tunnel's (tunnel-svg.ts).
import type { Runtime } from './runtime.js';
import type { LatencySummary, Metric } from './latency-report.js';
import { COLORS, esc, niceAxis } from './tunnel-svg.js';

/** What the title says about the run. */
export interface LatencyChartMeta {
  date: Date;
  kernel: string;
  runtime: Runtime;
  rounds: number;
}

const PANELS: readonly { key: Metric; title: string; unit: (v: number) => string }[] = [
  { key: 'idleP50Ms', title: 'idle RTT p50 (ms, lower is better)', unit: (v) => v.toFixed(3) },
  { key: 'bulkP99Ms', title: 'RTT p99 under bulk TCP (ms, lower)', unit: (v) => v.toFixed(2) },
  { key: 'udpPps', title: 'UDP 64 B received (kpps, higher)', unit: (v) => (v / 1000).toFixed(0) },
  { key: 'cpuSPerGb', title: 'CPU s per GB, both ends (lower)', unit: (v) => v.toFixed(2) },
];

const LEFT = 110;
const PANEL_W = 260;
const GAP = 30;
const TOP = 86;
const ROW = 34;
const BAR = 20;
const BOTTOM = 40;

/** The chart as a standalone SVG document. */
export function renderLatencySvg(sums: readonly LatencySummary[], meta: LatencyChartMeta): string {
  const W = LEFT + PANELS.length * (PANEL_W + GAP);
  const H = TOP + ROW * sums.length + BOTTOM;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="24" font-size="17" font-weight="bold" text-anchor="middle">${esc('Tunnel latency, small packets and CPU per byte, A→B, overlay MTU 1300, tio and nebula with aes')}</text>`);
  const when = `${meta.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  out.push(`<text x="${W / 2}" y="44" font-size="12.5" fill="#495057" text-anchor="middle">${esc(`${when} · Linux ${meta.kernel} · Node ${meta.runtime.node}, OpenSSL ${meta.runtime.openssl} · median of ${meta.rounds} round${meta.rounds > 1 ? 's' : ''}, whiskers min–max`)}</text>`);
  sums.forEach((s, i) => {
    const cy = TOP + i * ROW + ROW / 2;
    out.push(`<text x="${LEFT - 10}" y="${cy + 4.5}" font-size="13" text-anchor="end" font-weight="${s.contender === 'tio' ? 'bold' : 'normal'}">${esc(s.contender)}</text>`);
  });
  PANELS.forEach((p, k) => {
    const x0 = LEFT + k * (PANEL_W + GAP);
    const plotW = PANEL_W - 50;
    const maxes = sums.flatMap((s) => (s.figures[p.key] ? [s.figures[p.key]!.max] : []));
    const { max, step } = niceAxis(Math.max(0, ...maxes) * 1.05);
    const x = (v: number): number => x0 + (Math.min(v, max) / max) * plotW;
    const axisY = TOP + ROW * sums.length;
    out.push(`<text x="${x0 + plotW / 2}" y="${TOP - 16}" font-size="12.5" font-weight="bold" text-anchor="middle">${esc(p.title)}</text>`);
    for (let v = 0; v <= max + 1e-9; v += step) {
      out.push(`<line x1="${x(v).toFixed(1)}" y1="${TOP - 6}" x2="${x(v).toFixed(1)}" y2="${axisY}" stroke="#e9ecef" stroke-width="1"/>`);
    }
    out.push(`<line x1="${x0}" y1="${axisY}" x2="${x0 + plotW}" y2="${axisY}" stroke="#343a40" stroke-width="1"/>`);
    out.push(`<text x="${x0}" y="${axisY + 16}" font-size="11" fill="#495057">0</text>`);
    out.push(`<text x="${x0 + plotW}" y="${axisY + 16}" font-size="11" fill="#495057" text-anchor="end">${esc(p.unit(max))}</text>`);
    sums.forEach((s, i) => {
      const y = TOP + i * ROW + (ROW - BAR) / 2;
      const cy = y + BAR / 2;
      const f = s.figures[p.key];
      if (!f) {
        out.push(`<text x="${x0 + 4}" y="${cy + 4.5}" font-size="11" fill="#868e96">${s.ok === 0 ? 'failed' : 'n/a'}</text>`);
        return;
      }
      out.push(`<rect x="${x0}" y="${y}" width="${Math.max(1, x(f.median) - x0).toFixed(1)}" height="${BAR}" fill="${COLORS[s.contender] ?? '#495057'}"/>`);
      if (f.max > f.min) out.push(`<line x1="${x(f.min).toFixed(1)}" y1="${cy}" x2="${x(f.max).toFixed(1)}" y2="${cy}" stroke="#212529" stroke-width="1.5"/>`);
      out.push(`<text x="${(Math.max(x(f.median), x(f.max)) + 5).toFixed(1)}" y="${cy + 4.5}" font-size="11.5" fill="#212529">${esc(p.unit(f.median))}</text>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
