// A hand-written SVG bar chart of the tunnel bench: one horizontal bar per
// contender (median), a min-max whisker, the value next to it. The scale fits
// the tunnels; a bar beyond it (the bare veth, usually) is drawn broken and
// labelled "off scale", so the tunnels stay readable.
import type { Runtime } from './runtime.js';
import type { Summary } from './tunnel-report.js';

/** What the title says about the run. */
export interface ChartMeta {
  date: Date;
  kernel: string;
  /** Node and OpenSSL of the bench (tio's nodes run on the same Node). */
  runtime: Runtime;
  seconds: number;
  /** Seconds of each run iperf3 left out before counting. */
  omit: number;
  rounds: number;
  streams: number;
}

/** Bar colour per contender (others grey). */
export const COLORS: Record<string, string> = {
  tio: '#d9480f',
  tio_r2: '#e8590c',
  tio_plain: '#f59f00',
  nebula: '#1c7ed6',
  wireguard_go: '#7048e8',
  c_ref: '#2b8a3e',
  veth: '#868e96',
};

const W = 920;
const LEFT = 130;
const RIGHT = 300;
const TOP = 72;
const ROW = 42;
const BAR = 24;
const BOTTOM = 48;

/** Escapes text for SVG. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round axis maximum >= x and its tick step (1, 2, 2.5 or 5 times a power of ten, about 5 ticks). */
export function niceAxis(x: number): { max: number; step: number } {
  if (!(x > 0)) return { max: 1, step: 0.2 };
  const raw = x / 5;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  return { max: Math.ceil(x / step - 1e-9) * step, step };
}

function fmtTick(v: number): string {
  return Number(v.toFixed(3)).toString();
}

/** The chart as a standalone SVG document. */
export function renderSvg(sums: readonly Summary[], meta: ChartMeta): string {
  const plotW = W - LEFT - RIGHT;
  const H = TOP + ROW * sums.length + BOTTOM;
  // Scale on the tunnels; fall back to everything when only veth ran.
  const tunnels = sums.filter((s) => s.contender !== 'veth' && s.max !== undefined);
  const basis = (tunnels.length > 0 ? tunnels : sums).map((s) => s.max ?? 0);
  const { max, step } = niceAxis(Math.max(0, ...basis) * 1.05);
  const x = (v: number): number => LEFT + (Math.min(v, max) / max) * plotW;
  const neb = sums.find((s) => s.contender === 'nebula')?.median;
  const wg = sums.find((s) => s.contender === 'wireguard_go')?.median;

  const when = `${meta.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const what = meta.streams > 1 ? `${meta.streams} TCP streams` : 'one TCP stream';
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="26" font-size="17" font-weight="bold" text-anchor="middle">${esc(`Tunnel throughput: ${what} A→B (iperf3), overlay MTU 1300, tio and nebula with aes`)}</text>`);
  out.push(`<text x="${W / 2}" y="48" font-size="12.5" fill="#495057" text-anchor="middle">${esc(`${when} · Linux ${meta.kernel} · Node ${meta.runtime.node}, OpenSSL ${meta.runtime.openssl} · median of ${meta.rounds} round${meta.rounds > 1 ? 's' : ''} × ${meta.seconds} s (after ${meta.omit} s omitted), whiskers min–max`)}</text>`);

  // Grid and axis.
  const axisY = TOP + ROW * sums.length;
  for (let v = 0; v <= max + 1e-9; v += step) {
    const gx = x(v).toFixed(1);
    out.push(`<line x1="${gx}" y1="${TOP - 6}" x2="${gx}" y2="${axisY}" stroke="#e9ecef" stroke-width="1"/>`);
    out.push(`<text x="${gx}" y="${axisY + 16}" font-size="11" fill="#495057" text-anchor="middle">${fmtTick(v)}</text>`);
  }
  out.push(`<line x1="${LEFT}" y1="${axisY}" x2="${LEFT + plotW}" y2="${axisY}" stroke="#343a40" stroke-width="1"/>`);
  out.push(`<text x="${LEFT + plotW / 2}" y="${axisY + 36}" font-size="12" fill="#343a40" text-anchor="middle">Gbit/s (received)</text>`);

  sums.forEach((s, i) => {
    const y = TOP + i * ROW + (ROW - BAR) / 2;
    const cy = y + BAR / 2;
    const color = COLORS[s.contender] ?? '#495057';
    out.push(`<text x="${LEFT - 10}" y="${cy + 4.5}" font-size="13" text-anchor="end" font-weight="${s.contender === 'tio' ? 'bold' : 'normal'}">${esc(s.contender)}</text>`);
    if (s.median === undefined) {
      out.push(`<text x="${LEFT + 6}" y="${cy + 4.5}" font-size="12" fill="#c92a2a">${esc(`failed: ${(s.errors[0] ?? '').replace(/\s+/g, ' ').slice(0, 90)}`)}</text>`);
      return;
    }
    const offScale = s.median > max;
    const bw = Math.max(1, x(s.median) - LEFT);
    out.push(`<rect x="${LEFT}" y="${y}" width="${bw.toFixed(1)}" height="${BAR}" fill="${color}"/>`);
    if (offScale) {
      // A white zigzag gap near the end marks the broken bar.
      const bx = LEFT + plotW - 28;
      out.push(`<path d="M${bx} ${y - 2} l6 ${BAR / 2 + 2} l-6 ${BAR / 2 + 2} h8 l6 ${-(BAR / 2 + 2)} l-6 ${-(BAR / 2 + 2)} z" fill="#ffffff"/>`);
    } else if (s.min !== undefined && s.max !== undefined && s.max > s.min) {
      const x1 = x(s.min).toFixed(1);
      const x2 = x(s.max).toFixed(1);
      out.push(`<line x1="${x1}" y1="${cy}" x2="${x2}" y2="${cy}" stroke="#212529" stroke-width="1.5"/>`);
      out.push(`<line x1="${x1}" y1="${cy - 6}" x2="${x1}" y2="${cy + 6}" stroke="#212529" stroke-width="1.5"/>`);
      out.push(`<line x1="${x2}" y1="${cy - 6}" x2="${x2}" y2="${cy + 6}" stroke="#212529" stroke-width="1.5"/>`);
    }
    let label = `${s.median.toFixed(2)} Gbit/s`;
    if (offScale) label += ' (off scale)';
    if (s.contender === 'tio') {
      const r: string[] = [];
      if (neb) r.push(`${(s.median / neb).toFixed(1)}× nebula`);
      if (wg) r.push(`${(s.median / wg).toFixed(1)}× wg-go`);
      if (r.length) label += ` · ${r.join(', ')}`;
    }
    if (s.errors.length) label += ` · ${s.errors.length} failed`;
    const lx = Math.max(x(s.median), s.max !== undefined && !offScale ? x(s.max) : 0) + 8;
    out.push(`<text x="${lx.toFixed(1)}" y="${cy + 4.5}" font-size="12.5" fill="#212529">${esc(label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
