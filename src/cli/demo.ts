/**
 * `tio demo`: tio's main job in one command. Two network namespaces joined by a
 * veth pair, a `tio up` node in each (Nebula 1.6.1 wire, a throwaway PKI made by
 * tio's own cert code), a TCP bulk transfer through the encrypted tunnel hashed
 * on both ends, with offloads on, then off, then over the bare veth for scale,
 * and a table of the throughputs. Cleans up on every exit path.
 */
import { accessSync, constants as fsConstants, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNodeConfigFile } from './demo/config.js';
import { iperf3, iperf3Available, probe, startListener, stopListener, tcpTransfer, type TransferResult } from './demo/measure.js';
import { runMesh, type MeshRow } from './demo/mesh.js';
import { writeDemoPki, type DemoPki } from './demo/pki.js';
import { jsonLine, MAIN_JS, spawnNode, stopChild, waitForLine, type Collected } from './demo/procs.js';
import { Progress, type ProgressOut } from './demo/progress.js';
import { removeStaleNetns, Rig, sh } from './demo/rig.js';

/** The one sentence printed (exit 2) without the privileges the demo needs. */
export const NEEDS_ROOT = 'tio demo needs root (CAP_NET_ADMIN) and /dev/net/tun: run it with sudo.';

export const DEMO_USAGE = `usage: tio demo [--mesh] [--bytes SIZE] [--iperf-seconds N] [--no-iperf]

  --mesh               a lighthouse (also a relay) and three nodes behind NATs: discovery, hole
                       punching, and a relay for the node behind a symmetric NAT (needs nft)

  --bytes SIZE         bytes per TCP transfer (default 256MiB; suffixes K, M, G are binary: 8M = 8 MiB)
  --iperf-seconds N    length of each iperf3 run when iperf3 is installed (default 3)
  --no-iperf           skip iperf3 even when it is installed
`;

/** Demo options. */
export interface DemoOptions {
  bytes: number;
  iperfSeconds: number;
  iperf: boolean;
  /** The NAT mesh scenario (src/cli/demo/mesh.ts) instead of the two-node one. */
  mesh: boolean;
}

// Underlay (veth) and overlay addresses: 198.18.0.0/15 only, overlay inside 198.19.0.0/16.
const UNDERLAY = { a: '198.18.99.1', b: '198.18.99.2', prefix: 24 };
const OVERLAY = { a: '198.19.0.1', b: '198.19.0.2', prefix: 16 };
const UDP_PORT = 4242;
const TCP_PORT = 5001;
const IPERF_PORT = 5201;
const VETH_MTU = 1500;
const TUN_MTU = 1300;

const MiB = 1 << 20;

/** Parses "8M", "256MiB", "1G", "1048576"; undefined when it is not a positive size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?$/i.exec(text.trim());
  if (m === null) return undefined;
  const mult = { '': 1, k: 1024, m: MiB, g: 1024 * MiB }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = Math.round(Number(m[1]) * mult);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Human size: "256 MiB", "1.5 GiB", "800 KiB", "123 bytes". */
export function formatSize(n: number): string {
  const trim = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  if (n >= 1024 * MiB) return `${trim(n / (1024 * MiB))} GiB`;
  if (n >= MiB) return `${trim(n / MiB)} MiB`;
  if (n >= 1024) return `${trim(n / 1024)} KiB`;
  return `${n} bytes`;
}

/** Parses demo arguments; a string is a usage error. */
export function parseDemoArgs(args: readonly string[]): DemoOptions | string {
  const o: DemoOptions = { bytes: 256 * MiB, iperfSeconds: 3, iperf: true, mesh: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
    const value = (): string | undefined => (eq >= 0 ? a.slice(eq + 1) : args[++i]);
    if (!a.startsWith('-')) return `unexpected argument "${a}"`;
    if (name === 'bytes') {
      const v = value();
      const n = v === undefined ? undefined : parseSize(v);
      if (n === undefined) return `--bytes needs a positive size such as 8M or 256MiB, got ${JSON.stringify(v ?? '')}`;
      o.bytes = n;
    } else if (name === 'iperf-seconds') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1 || v > 60) return '--iperf-seconds needs a whole number from 1 to 60';
      o.iperfSeconds = v;
    } else if (name === 'mesh') {
      o.mesh = true;
    } else if (name === 'no-iperf') {
      o.iperf = false;
    } else {
      return `unknown option "${a}"`;
    }
  }
  return o;
}

/** Why `tio demo --mesh` cannot run here beyond demoPrerequisiteProblem(): its NAT routers need nft. */
export function meshPrerequisiteProblem(): string | undefined {
  try {
    sh('nft', ['--version'], 5_000);
    return undefined;
  } catch {
    return 'tio demo --mesh needs the nft command (nftables) for its NAT routers: install nftables (apt install nftables).';
  }
}

/** Why the demo cannot run here (one sentence), or undefined. */
export function demoPrerequisiteProblem(): string | undefined {
  if (process.platform !== 'linux') return `tio demo needs Linux (this is ${process.platform}).`;
  // Namespaces need CAP_SYS_ADMIN, devices and addresses CAP_NET_ADMIN: root has both.
  let caps = 0n;
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    caps = m === null ? 0n : BigInt(`0x${m[1]}`);
  } catch {
    caps = 0n;
  }
  const CAP_NET_ADMIN = 1n << 12n;
  const CAP_SYS_ADMIN = 1n << 21n;
  let tun = true;
  try {
    accessSync('/dev/net/tun', fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    tun = false;
  }
  if ((caps & CAP_NET_ADMIN) === 0n || (caps & CAP_SYS_ADMIN) === 0n) return NEEDS_ROOT;
  if (!tun) return 'tio demo needs /dev/net/tun, which is missing or unusable here: load the tun module (modprobe tun) and run it again.';
  try {
    sh('ip', ['-V'], 5000);
  } catch {
    return 'tio demo needs the ip command (iproute2) to create its namespaces: install iproute2.';
  }
  return undefined;
}

/** One row of the result table. */
export interface DemoRow {
  label: string;
  transfer?: TransferResult;
  iperfGbps?: number;
  iperfNote?: string;
}

const gbit = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(2)} Gbit/s`);

/** The result table, one line per row. */
export function formatTable(rows: readonly DemoRow[], iperfColumn: boolean): string[] {
  const head = ['', 'TCP + SHA-256', ...(iperfColumn ? ['iperf3'] : []), 'SHA-256'];
  const body = rows.map((r) => [
    r.label,
    gbit(r.transfer?.gbps),
    ...(iperfColumn ? [r.iperfGbps !== undefined ? gbit(r.iperfGbps) : (r.iperfNote ?? '-')] : []),
    r.transfer === undefined ? '-' : r.transfer.match ? 'match' : 'MISMATCH',
  ]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
  const fmt = (row: string[]): string => `  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ')}`.trimEnd();
  return [fmt(head), ...body.map(fmt)];
}

interface ActiveLine {
  msg?: string;
  offload?: string;
  gro?: boolean;
  interface?: string;
}

/** Two running nodes and a promise that rejects if either exits before we stop it. */
interface Nodes {
  a: Collected;
  b: Collected;
  died: Promise<never>;
  stop(): Promise<void>;
  summary: string;
}

/** Runs the whole demo; resolves with the exit code (0 ok, 1 failure or mismatch, 2 usage or missing privileges). */
export async function demo(args: readonly string[], out: ProgressOut = process.stdout): Promise<number> {
  if (args.includes('--help') || args.includes('-h') || args.includes('-help')) {
    out.write(DEMO_USAGE);
    return 0;
  }
  const parsed = parseDemoArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`tio demo: ${parsed}\n\n${DEMO_USAGE}`);
    return 2;
  }
  const problem = demoPrerequisiteProblem() ?? (parsed.mesh ? meshPrerequisiteProblem() : undefined);
  if (problem !== undefined) {
    process.stderr.write(`${problem}\n`);
    return 2;
  }
  const opts = parsed;
  const progress = new Progress(out);
  const rig = new Rig();
  // Every exit path cleans up: signals here, a crash via 'exit', normal runs in finally.
  const onSignal = (sig: NodeJS.Signals): void => {
    progress.interrupt(`interrupted by ${sig}`);
    rig.cleanup();
    process.stderr.write(`tio demo: interrupted by ${sig}; its namespaces and processes are removed.\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  const onExit = (): void => rig.cleanup();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  let rows: DemoRow[] | undefined;
  let meshRows: MeshRow[] | undefined;
  let failure: unknown;
  try {
    if (opts.mesh) meshRows = await mesh(rig, progress, opts);
    else rows = await run(rig, progress, opts);
  } catch (e) {
    failure = e;
  } finally {
    await progress.step('removed the namespaces, devices, processes and temp files', () => rig.cleanup()).catch(() => undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  }
  if (meshRows !== undefined) {
    try {
      return reportMesh(progress, meshRows, opts);
    } finally {
      progress.close();
    }
  }
  if (rows === undefined) {
    progress.close();
    process.stderr.write(`tio demo failed: ${failure instanceof Error ? failure.message : String(failure)}\n`);
    return 1;
  }
  try {
    return report(progress, rows, opts);
  } finally {
    progress.close();
  }
}

/** Prints the result table; 0 when every hash matched, else 1. */
function report(progress: Progress, rows: readonly DemoRow[], opts: DemoOptions): number {
  const iperfColumn = rows.some((r) => r.iperfGbps !== undefined || r.iperfNote !== undefined);
  progress.line('');
  progress.line(`Results (${formatSize(opts.bytes)} per transfer; tunnel: AES-256-GCM, TUN MTU ${TUN_MTU}; veth MTU ${VETH_MTU}):`);
  for (const l of formatTable(rows, iperfColumn)) progress.line(l);
  const ratio = (f: (r: DemoRow) => number | undefined, what: string): string | undefined => {
    const on = rows[0] && f(rows[0]);
    const off = rows[1] && f(rows[1]);
    return on !== undefined && off !== undefined && off > 0 ? `${(on / off).toFixed(1)}x (${what})` : undefined;
  };
  const ratios = [ratio((r) => r.transfer?.gbps, 'TCP + SHA-256'), ratio((r) => r.iperfGbps, 'iperf3')].filter((x) => x !== undefined);
  if (ratios.length) progress.line(`  offloads on vs off: ${ratios.join(', ')}`);
  progress.line(`  TCP + SHA-256: tio's built-in sender and receiver hashing every byte, sharing the CPUs with both nodes${iperfColumn ? '; iperf3: plain TCP' : ''}.`);
  if (opts.iperf && !iperfColumn) progress.line('  (install iperf3 for a second throughput column)');
  const bad = rows.filter((r) => r.transfer !== undefined && !r.transfer.match);
  if (bad.length > 0) {
    progress.line(`SHA-256 MISMATCH: ${bad.map((r) => r.label).join(', ')}: the data was corrupted on the way.`);
    return 1;
  }
  progress.line('SHA-256 matched on every transfer: the data arrived intact.');
  return 0;
}

/** The mesh scenario with the demo's temp dir and stale-namespace sweep. */
async function mesh(rig: Rig, progress: Progress, opts: DemoOptions): Promise<MeshRow[]> {
  progress.line(`tio demo --mesh: a lighthouse, hole punching and a relay between nodes behind NATs (${formatSize(opts.bytes)} per transfer)`);
  const stale = removeStaleNetns();
  if (stale.length) progress.line(`  (removed ${stale.length} namespace(s) left by a killed earlier demo: ${stale.join(', ')})`);
  const dir = mkdtempSync(join(tmpdir(), 'tio-demo-'));
  rig.addDir(dir);
  return runMesh(rig, progress, dir, opts.bytes);
}

/** Prints the mesh results; 0 when every hash matched, else 1. */
function reportMesh(progress: Progress, rows: readonly MeshRow[], opts: DemoOptions): number {
  progress.line('');
  progress.line(`Results (${formatSize(opts.bytes)} per transfer; tunnel: AES-256-GCM, TUN MTU ${TUN_MTU}):`);
  for (const l of formatTable(rows.map((r) => ({ label: r.label, transfer: r.transfer })), false)) progress.line(l);
  for (const r of rows) progress.line(`  ${r.label}: SHA-256 ${r.transfer.match ? 'match' : 'MISMATCH'} ${r.transfer.receivedSha256}; the lighthouse moved ${formatSize(r.lighthouseBytes)}`);
  const bad = rows.filter((r) => !r.transfer.match);
  if (bad.length > 0) {
    progress.line(`SHA-256 MISMATCH: ${bad.map((r) => r.label).join(', ')}: the data was corrupted on the way.`);
    return 1;
  }
  progress.line('SHA-256 matched on every transfer: the data arrived intact.');
  return 0;
}

async function run(rig: Rig, progress: Progress, opts: DemoOptions): Promise<DemoRow[]> {
  const useIperf = opts.iperf && iperf3Available();
  progress.line(`tio demo: ${formatSize(opts.bytes)} through an encrypted overlay (Nebula 1.6.1 wire) between two namespaces`);
  const stale = removeStaleNetns();
  if (stale.length) progress.line(`  (removed ${stale.length} namespace(s) left by a killed earlier demo: ${stale.join(', ')})`);

  const dir = mkdtempSync(join(tmpdir(), 'tio-demo-'));
  rig.addDir(dir);
  const pki = await progress.step('made a throwaway CA and two host certificates', () =>
    writeDemoPki(dir, [{ name: 'a', cidr: `${OVERLAY.a}/${OVERLAY.prefix}` }, { name: 'b', cidr: `${OVERLAY.b}/${OVERLAY.prefix}` }]),
    () => `tio's own cert code, in ${dir}`);

  const ns = await progress.step('created two namespaces joined by a veth pair', () => {
    const a = rig.addNetns('a');
    const b = rig.addNetns('b');
    rig.addVeth({ ns: a, ifName: 'veth-a', cidr: `${UNDERLAY.a}/${UNDERLAY.prefix}` }, { ns: b, ifName: 'veth-b', cidr: `${UNDERLAY.b}/${UNDERLAY.prefix}` }, VETH_MTU);
    return { a, b };
  }, (n) => `${n.a} (${UNDERLAY.a}) <-> ${n.b} (${UNDERLAY.b}), MTU ${VETH_MTU}`);

  const timeoutMs = 60_000 + Math.ceil(opts.bytes / (4 * MiB)) * 1000;
  const rows: DemoRow[] = [];

  const measure = async (label: string, host: string, guard: Promise<never> | undefined): Promise<DemoRow> => {
    const row: DemoRow = { label };
    const race = <T>(p: Promise<T>): Promise<T> => (guard ? Promise.race([p, guard]) : p);
    row.transfer = await progress.step(`${label}: ${formatSize(opts.bytes)} over TCP, SHA-256 on both ends`,
      () => race(tcpTransfer(rig, { serverNs: ns.b, clientNs: ns.a, host, port: TCP_PORT, bytes: opts.bytes, timeoutMs })),
      (t) => `${gbit(t.gbps)}, SHA-256 ${t.match ? 'match' : `MISMATCH (sent ${t.sentSha256.slice(0, 16)}…, received ${t.receivedSha256.slice(0, 16)}…, ${t.receivedBytes} bytes)`}`);
    if (useIperf) {
      try {
        row.iperfGbps = await progress.step(`${label}: iperf3 for ${opts.iperfSeconds} s`,
          () => race(iperf3(rig, { serverNs: ns.b, clientNs: ns.a, host, port: IPERF_PORT, seconds: opts.iperfSeconds })), gbit);
      } catch (e) {
        // iperf3 is extra: its failure is reported but does not fail the demo, unless a node died.
        if (guard && (e as Error).message.startsWith('tio node')) throw e;
        row.iperfNote = 'failed';
      }
    }
    return row;
  };

  for (const offload of [true, false]) {
    const label = offload ? 'offloads on' : 'offloads off';
    const nodes = await progress.step(`${label}: started two tio nodes`, () => startNodes(rig, pki, ns, dir, offload), (n) => n.summary);
    try {
      await progress.step(`${label}: handshake`, () => Promise.race([handshake(rig, ns), nodes.died]), (ms) => `TCP connect through the tunnel after ${ms} ms`);
      rows.push(await measure(label, OVERLAY.b, nodes.died));
    } finally {
      await progress.step(`${label}: stopped the nodes`, () => nodes.stop());
    }
  }
  rows.push(await measure('bare veth', UNDERLAY.b, undefined));

  return rows;
}

/** Writes both configs and starts `tio up` in each namespace; resolves when both interfaces are active. */
async function startNodes(rig: Rig, pki: DemoPki, ns: { a: string; b: string }, dir: string, offload: boolean): Promise<Nodes> {
  const [ha, hb] = pki.hosts as [DemoPki['hosts'][0], DemoPki['hosts'][0]];
  const tag = offload ? 'on' : 'off';
  const common = { ca: pki.caPath, port: UDP_PORT, mtu: TUN_MTU, offload };
  const fa = writeNodeConfigFile(join(dir, `a-offload-${tag}.yml`), {
    ...common, cert: ha.crtPath, key: ha.keyPath, listenHost: UNDERLAY.a, dev: 'tio-a', peers: [{ overlayIp: OVERLAY.b, underlay: `${UNDERLAY.b}:${UDP_PORT}` }],
  });
  const fb = writeNodeConfigFile(join(dir, `b-offload-${tag}.yml`), {
    ...common, cert: hb.crtPath, key: hb.keyPath, listenHost: UNDERLAY.b, dev: 'tio-b', peers: [{ overlayIp: OVERLAY.a, underlay: `${UNDERLAY.a}:${UDP_PORT}` }],
  });
  const a = spawnNode(rig, ns.a, MAIN_JS, ['up', '-config', fa]);
  const b = spawnNode(rig, ns.b, MAIN_JS, ['up', '-config', fb]);
  let stopping = false;
  const watch = (c: Collected, name: string): Promise<never> =>
    c.exited.then(() => {
      if (stopping) return new Promise<never>(() => undefined);
      const last = c.lines.slice(-5).join('\n    ');
      throw new Error(`tio node ${name} exited (${c.child.signalCode ?? `status ${c.child.exitCode}`})${last ? `; last log lines:\n    ${last}` : ''}`);
    });
  const died = Promise.race([watch(a, 'a'), watch(b, 'b')]);
  died.catch(() => undefined);
  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all([stopChild(a), stopChild(b)]);
  };
  try {
    const active = (l: string): ActiveLine | undefined => {
      const j = jsonLine<ActiveLine>(l);
      return j?.msg === 'Nebula interface is active' ? j : undefined;
    };
    const [la] = await Promise.all([
      waitForLine(a, active, 20_000, 'tio node a starting'),
      waitForLine(b, active, 20_000, 'tio node b starting'),
    ]);
    const summary = `${OVERLAY.a} and ${OVERLAY.b} on TUN MTU ${TUN_MTU}, offload ${la.offload ?? '?'}, GRO writes ${la.gro === true ? 'on' : 'off'}`;
    return { a, b, died, stop, summary };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Waits until a TCP connection from a to b's overlay address succeeds: the first SYN starts the handshake. */
async function handshake(rig: Rig, ns: { a: string; b: string }): Promise<number> {
  const listener = await startListener(rig, ns.b, OVERLAY.b, TCP_PORT);
  try {
    return await probe(rig, ns.a, OVERLAY.b, TCP_PORT, 15_000);
  } finally {
    await stopListener(listener);
  }
}
