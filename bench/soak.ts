// npm run soak [-- --bytes 5G --interval 5 --cipher aes --routines 1 --no-verify --json]
//
// Soak: moves --bytes (default 5 GB) over one TCP connection through the
// encrypted tunnel between two `tio up` processes in their own namespaces
// (veth MTU 1500, overlay MTU 1300) and reports, every --interval seconds:
// throughput, RSS and CPU of both nodes, and the kernel's drop counters (TCP
// retransmissions, UDP receive errors, TUN drops). At the end: totals, the
// SHA-256 of both ends, the nodes' exit codes after SIGTERM, and their drop
// statistics if `tio up` logs any (at this commit it does not; the report says
// what is missing). Needs root. Bounded: gives up after --max-seconds or when
// no byte moved for --stall seconds; namespaces and processes are removed on
// every exit path.
import type { ChildProcess } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../kit/cleanup.js';
import { Netns, destroyAll, rootSkipReason, vethPair } from '../kit/netns.js';
import { makePki, nebulaCertSkipReason } from '../kit/nebula-pki.js';
import { writeNodeConfig } from '../kit/nebula.js';
import { startTio, type TioProcess } from '../kit/process.js';
import { runtime, runtimeLine } from './lib/runtime.js';

const SELF = fileURLToPath(import.meta.url);
const GB = 1e9;

// ---------------------------------------------------------------------------
// Options.

interface Options {
  bytes: number;
  intervalS: number;
  cipher: 'aes' | 'chachapoly';
  routines: number;
  verify: boolean;
  json: boolean;
  maxSeconds: number;
  stallSeconds: number;
}

function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`--bytes: cannot read ${JSON.stringify(s)} (e.g. 5G, 500M, 1073741824)`);
  const base = m[3] ? 1024 : 1000;
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * base ** exp);
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { bytes: 5 * GB, intervalS: 5, cipher: 'aes', routines: 1, verify: true, json: false, maxSeconds: 0, stallSeconds: 30 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--bytes': o.bytes = parseBytes(value()); break;
      case '--interval': o.intervalS = Number(value()); break;
      case '--cipher': {
        const c = value();
        if (c !== 'aes' && c !== 'chachapoly') throw new Error('--cipher: aes or chachapoly');
        o.cipher = c;
        break;
      }
      case '--routines': o.routines = Number(value()); break;
      case '--no-verify': o.verify = false; break;
      case '--json': o.json = true; break;
      case '--max-seconds': o.maxSeconds = Number(value()); break;
      case '--stall': o.stallSeconds = Number(value()); break;
      case '-h': case '--help':
        process.stdout.write('usage: npm run soak -- [--bytes 5G] [--interval 5] [--cipher aes|chachapoly] [--routines N] [--no-verify] [--max-seconds S] [--stall S] [--json]\n');
        process.exit(0);
        break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!(o.bytes > 0)) throw new Error('--bytes must be positive');
  if (!(o.intervalS > 0)) throw new Error('--interval must be positive');
  if (!Number.isInteger(o.routines) || o.routines < 1) throw new Error('--routines must be a positive integer');
  // Default budget: the transfer at a pessimistic 20 MB/s, plus set-up.
  if (!(o.maxSeconds > 0)) o.maxSeconds = Math.ceil(o.bytes / 20e6) + 120;
  return o;
}

// ---------------------------------------------------------------------------
// The TCP ends (this file run with --role), one JSON line per report on stdout.

const CHUNK = 4 << 20;

function sinkMain(host: string, port: number, verify: boolean): void {
  const server = createServer((sock) => {
    const h = verify ? createHash('sha256') : null;
    let bytes = 0;
    const tick = setInterval(() => process.stdout.write(`${JSON.stringify({ p: bytes })}\n`), 250);
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      h?.update(d);
    });
    sock.on('end', () => {
      clearInterval(tick);
      process.stdout.write(`${JSON.stringify({ done: true, bytes, sha256: h?.digest('hex') ?? null })}\n`);
      sock.end();
      server.close();
    });
    sock.on('error', (e) => {
      process.stderr.write(`sink: ${e.message}\n`);
      process.exit(1);
    });
  });
  server.listen(port, host, () => process.stdout.write(`${JSON.stringify({ listening: true })}\n`));
}

function sourceMain(host: string, port: number, total: number, verify: boolean): void {
  // One random block, each chunk stamped with its sequence number: data that never repeats
  // within a window TCP could confuse, at no per-byte RNG cost.
  const block = randomFillSync(Buffer.allocUnsafe(CHUNK));
  const h = verify ? createHash('sha256') : null;
  let sent = 0;
  let seq = 0;
  const sock = connect(port, host, () => {
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(CHUNK, total - sent);
        const piece = Buffer.from(block.subarray(0, n));
        piece.writeUInt32BE(seq++ >>> 0, 0);
        h?.update(piece);
        sent += n;
        if (!sock.write(piece)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end(() => process.stdout.write(`${JSON.stringify({ done: true, bytes: sent, sha256: h?.digest('hex') ?? null })}\n`));
    };
    pump();
  });
  sock.on('error', (e) => {
    process.stderr.write(`source: ${e.message}\n`);
    process.exit(1);
  });
}

// ---------------------------------------------------------------------------
// Measurements from /proc.

function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux). */
function cpuTicks(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return Number.NaN;
  }
}

/** Kernel counters of the namespace `pid` lives in (/proc/PID/net is that namespace's view). */
interface NetCounters {
  tcpRetransSegs: number;
  udpInErrors: number;
  udpRcvbufErrors: number;
  udpSndbufErrors: number;
  tunRxDropped: number;
  tunTxDropped: number;
}

function snmp(pid: number, proto: string, field: string): number {
  try {
    const lines = readFileSync(`/proc/${pid}/net/snmp`, 'utf8').split('\n').filter((l) => l.startsWith(`${proto}:`));
    const names = lines[0]!.split(/\s+/);
    const values = lines[1]!.split(/\s+/);
    return Number(values[names.indexOf(field)]);
  } catch {
    return Number.NaN;
  }
}

function devDrops(pid: number, dev: string): { rx: number; tx: number } {
  try {
    const line = readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').find((l) => l.trim().startsWith(`${dev}:`));
    const f = line!.slice(line!.indexOf(':') + 1).trim().split(/\s+/).map(Number);
    return { rx: f[3]!, tx: f[11]! };
  } catch {
    return { rx: Number.NaN, tx: Number.NaN };
  }
}

function counters(pid: number, dev: string): NetCounters {
  const d = devDrops(pid, dev);
  return {
    tcpRetransSegs: snmp(pid, 'Tcp', 'RetransSegs'),
    udpInErrors: snmp(pid, 'Udp', 'InErrors'),
    udpRcvbufErrors: snmp(pid, 'Udp', 'RcvbufErrors'),
    udpSndbufErrors: snmp(pid, 'Udp', 'SndbufErrors'),
    tunRxDropped: d.rx,
    tunTxDropped: d.tx,
  };
}

function diff(a: NetCounters, b: NetCounters): NetCounters {
  const out = {} as NetCounters;
  for (const k of Object.keys(a) as (keyof NetCounters)[]) out[k] = b[k] - a[k];
  return out;
}

// ---------------------------------------------------------------------------
// The run.

interface Sample {
  t: number;
  gbit: number;
  bytes: number;
  rssA: number;
  rssB: number;
  cpuA: number;
  cpuB: number;
  retrans: number;
  udpErrors: number;
}

function lineReader(child: ChildProcess, onJson: (o: Record<string, unknown>) => void): () => string {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    if (l.startsWith('{')) onJson(JSON.parse(l) as Record<string, unknown>);
  });
  return () => stderr;
}

const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(o: Options): Promise<number> {
  const skip = rootSkipReason() ?? nebulaCertSkipReason();
  if (skip) {
    process.stderr.write(`soak: ${skip}\n`);
    return 2;
  }
  const say = (s: string): void => {
    if (!o.json) process.stdout.write(`${s}\n`);
  };
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  // Ctrl-C: the namespaces (and every process in them) go through Netns's own hook; the PKI temp dir through this one.
  const unregister = onCleanup(() => pki.dispose());
  const a = Netns.create('soaka');
  const b = Netns.create('soakb');
  const children: ChildProcess[] = [];
  let ta: TioProcess | undefined;
  let tb: TioProcess | undefined;
  try {
    vethPair(a, b, { aAddr: '198.18.90.1/24', bAddr: '198.18.90.2/24', mtu: 1500 });
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    const extra = o.routines > 1 ? `routines: ${o.routines}\n` : '';
    ta = startTio(a, writeNodeConfig(pki, ha, '198.18.90.1', [[hb, '198.18.90.2']], { dev: 'soaka', cipher: o.cipher, extra }, 'tio'));
    tb = startTio(b, writeNodeConfig(pki, hb, '198.18.90.2', [[ha, '198.18.90.1']], { dev: 'soakb', cipher: o.cipher, extra }, 'tio'));
    await ta.waitForLog('interface is active', 20_000);
    await tb.waitForLog('interface is active', 20_000);
    const pidA = ta.pid;
    const pidB = tb.pid;
    say(`soak: ${(o.bytes / GB).toFixed(2)} GB over TCP through tio (cipher ${o.cipher}, routines ${o.routines}, verify ${o.verify ? 'sha256' : 'off'}), nodes pid ${pidA} (sender side) and ${pidB}`);

    // Sink in b on the overlay address, source in a.
    let sinkBytes = 0;
    let sinkDone: Record<string, unknown> | null = null;
    let sourceDone: Record<string, unknown> | null = null;
    let listening!: () => void;
    const ready = new Promise<void>((r) => (listening = r));
    const sink = b.spawn(process.execPath, [SELF, '--role', 'sink', '198.19.0.2', '5900', o.verify ? 'verify' : 'fast'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(sink);
    const sinkErr = lineReader(sink, (m) => {
      if (m.listening) listening();
      else if (typeof m.p === 'number') sinkBytes = m.p;
      else if (m.done) {
        sinkDone = m;
        sinkBytes = m.bytes as number;
      }
    });
    const sinkExit = new Promise<number | null>((r) => sink.once('exit', (c) => r(c)));
    await Promise.race([ready, sinkExit.then(() => Promise.reject(new Error(`sink exited early: ${sinkErr()}`)))]);

    const c0A = counters(pidA, 'soaka');
    const c0B = counters(pidB, 'soakb');
    const start = performance.now();
    const source = a.spawn(process.execPath, [SELF, '--role', 'source', '198.19.0.2', '5900', String(o.bytes), o.verify ? 'verify' : 'fast'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(source);
    const sourceErr = lineReader(source, (m) => {
      if (m.done) sourceDone = m;
    });

    say('');
    say('     t s   Gbit/s    moved GB   RSS a MB   RSS b MB   CPU a %   CPU b %   retrans   udp err');
    const samples: Sample[] = [];
    let last = { t: start, bytes: 0, cpuA: cpuTicks(pidA), cpuB: cpuTicks(pidB), retrans: c0A.tcpRetransSegs, udp: c0A.udpInErrors + c0B.udpInErrors };
    let lastProgress = start;
    let lastBytes = 0;
    let failure: string | null = null;
    const stepMs = 250;
    for (let ticks = 0; ; ticks++) {
      await new Promise((r) => setTimeout(r, stepMs));
      const now = performance.now();
      if (sinkBytes > lastBytes) {
        lastBytes = sinkBytes;
        lastProgress = now;
      }
      const finished = sinkDone !== null;
      if (now - last.t >= o.intervalS * 1000 || finished) {
        const ca = counters(pidA, 'soaka');
        const cb = counters(pidB, 'soakb');
        const cpuA = cpuTicks(pidA);
        const cpuB = cpuTicks(pidB);
        const dt = (now - last.t) / 1000;
        const s: Sample = {
          t: (now - start) / 1000,
          gbit: ((sinkBytes - last.bytes) * 8) / dt / 1e9,
          bytes: sinkBytes,
          rssA: rssMB(pidA),
          rssB: rssMB(pidB),
          cpuA: (cpuA - last.cpuA) / dt,
          cpuB: (cpuB - last.cpuB) / dt,
          retrans: ca.tcpRetransSegs - last.retrans,
          udpErrors: ca.udpInErrors + cb.udpInErrors - last.udp,
        };
        samples.push(s);
        say(`${fmt(s.t).padStart(7)} ${fmt(s.gbit, 2).padStart(8)} ${fmt(s.bytes / GB, 2).padStart(11)} ${fmt(s.rssA).padStart(10)} ${fmt(s.rssB).padStart(10)} ${fmt(s.cpuA, 0).padStart(9)} ${fmt(s.cpuB, 0).padStart(9)} ${String(s.retrans).padStart(9)} ${String(s.udpErrors).padStart(9)}`);
        last = { t: now, bytes: sinkBytes, cpuA, cpuB, retrans: ca.tcpRetransSegs, udp: ca.udpInErrors + cb.udpInErrors };
      }
      if (finished) break;
      if (ta.child.exitCode !== null || tb.child.exitCode !== null || ta.child.signalCode !== null || tb.child.signalCode !== null) {
        failure = `a tio node exited during the soak (a: ${String(ta.child.exitCode ?? ta.child.signalCode)}, b: ${String(tb.child.exitCode ?? tb.child.signalCode)})`;
        break;
      }
      if (now - lastProgress > o.stallSeconds * 1000) {
        failure = `no byte moved for ${o.stallSeconds} s (stuck at ${(sinkBytes / GB).toFixed(3)} GB)`;
        break;
      }
      if (now - start > o.maxSeconds * 1000) {
        failure = `not done within --max-seconds ${o.maxSeconds}`;
        break;
      }
      if (ticks > 1e7) break;
    }
    const seconds = (performance.now() - start) / 1000;
    // The source reports after its last write was flushed; give it a moment once the sink is done.
    for (let i = 0; i < 40 && sourceDone === null && failure === null; i++) await new Promise((r) => setTimeout(r, 50));
    const c1A = counters(pidA, 'soaka');
    const c1B = counters(pidB, 'soakb');

    // Clean shutdown: SIGTERM sends close_tunnel; any stats line a node logs on the way out is shown.
    const codeA = await ta.stop();
    const codeB = await tb.stop();
    const statsLines = [...ta.log, ...tb.log].filter((l) => /stats/i.test(l) && !/interface is active/.test(l));
    const errorLines = [...ta.log, ...tb.log].filter((l) => /level=(error|fatal)|panic/.test(l));

    const sd = sinkDone as Record<string, unknown> | null;
    const so = sourceDone as Record<string, unknown> | null;
    const rates = samples.filter((s) => s.t > 0 && s !== samples[samples.length - 1]).map((s) => s.gbit);
    const summary = {
      bytes: sd ? sd.bytes : sinkBytes,
      seconds: Number(seconds.toFixed(2)),
      gbitAvg: Number((((sd ? (sd.bytes as number) : sinkBytes) * 8) / seconds / 1e9).toFixed(3)),
      gbitMin: rates.length ? Number(Math.min(...rates).toFixed(3)) : null,
      gbitMax: rates.length ? Number(Math.max(...rates).toFixed(3)) : null,
      sha256Match: o.verify ? (sd !== null && so !== null && sd.sha256 === so.sha256) : null,
      rssMB: {
        a: { start: samples[0]?.rssA ?? null, peak: Math.max(...samples.map((s) => s.rssA)), end: samples[samples.length - 1]?.rssA ?? null },
        b: { start: samples[0]?.rssB ?? null, peak: Math.max(...samples.map((s) => s.rssB)), end: samples[samples.length - 1]?.rssB ?? null },
      },
      kernelDrops: { a: diff(c0A, c1A), b: diff(c0B, c1B) },
      nodeExit: { a: codeA, b: codeB },
      nodeStats: statsLines.length ? statsLines : null,
      nodeErrors: errorLines,
      failure,
      samples,
      options: { ...o },
      runtime: runtime(),
    };
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      say('');
      say(runtimeLine());
      say(`moved ${(Number(summary.bytes) / GB).toFixed(3)} GB in ${summary.seconds} s: ${summary.gbitAvg} Gbit/s average, ${summary.gbitMin ?? '-'}..${summary.gbitMax ?? '-'} Gbit/s per interval`);
      if (o.verify) say(`sha256 ${summary.sha256Match ? 'matches' : 'DOES NOT MATCH'} (source ${String(so?.sha256 ?? '-')}, sink ${String(sd?.sha256 ?? '-')})`);
      for (const n of ['a', 'b'] as const) {
        const r = summary.rssMB[n];
        say(`node ${n} RSS MB: start ${fmt(r.start ?? Number.NaN)}, peak ${fmt(r.peak)}, end ${fmt(r.end ?? Number.NaN)}; exit after SIGTERM: ${String(summary.nodeExit[n])}`);
      }
      say(`kernel counters over the transfer: a ${JSON.stringify(summary.kernelDrops.a)}`);
      say(`                                   b ${JSON.stringify(summary.kernelDrops.b)}`);
      if (statsLines.length) {
        say('node stats logged at exit:');
        for (const l of statsLines) say(`  ${l}`);
      } else {
        say('node drop statistics: not available: `tio up` logs no stats at exit. Needed: on SIGTERM (and on SIGUSR1, or every');
        say('  stats interval) one log line with node.stats (delivered, datagrams in/out, recv_errors, drops by reason),');
        say('  handshakes.stats, device.stats() (TUN drops by reason, txWaits, txErrors) and udp.stats() (rxKernelDrops,');
        say('  txErrors, GSO fallbacks). The kernel counters above stand in for them meanwhile.');
      }
      if (errorLines.length) say(`node errors:\n  ${errorLines.join('\n  ')}`);
      if (failure) say(`FAILED: ${failure}\n  sink: ${sinkErr()}\n  source: ${sourceErr()}`);
    }
    const ok = failure === null && codeA === 0 && codeB === 0 && (!o.verify || summary.sha256Match === true) && errorLines.length === 0;
    return ok ? 0 : 1;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await ta?.kill();
    await tb?.kill();
    a.destroy();
    b.destroy();
    pki.dispose();
    unregister();
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--role') {
  const [, role, host, port, x, y] = argv;
  if (role === 'sink') sinkMain(host!, Number(port), x === 'verify');
  else if (role === 'source') sourceMain(host!, Number(port), Number(x), y === 'verify');
  else {
    process.stderr.write(`soak: unknown role ${String(role)}\n`);
    process.exit(2);
  }
} else {
  let opts: Options;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`soak: ${(e as Error).message}\n`);
    process.exit(2);
  }
  main(opts).then(
    (code) => {
      destroyAll();
      process.exitCode = code;
    },
    (e: unknown) => {
      destroyAll();
      process.stderr.write(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
