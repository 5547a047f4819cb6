// A userspace UDP relay that impairs what it forwards: it drops, reorders and
// duplicates datagrams with a seeded PRNG, so a fault run can be repeated.
//
// It runs as a child process inside a namespace (usually a middle namespace R
// between A and B) with two sockets: side `a` is bound on R's address facing A
// and forwards everything it receives to B's real address from side `b`, and
// the other way round. Nodes point their static_host_map at the relay's
// addresses, so every underlay datagram between them crosses the relay.
//
// Child protocol (one JSON line per command on stdin, one reply line on stdout):
//   {"cmd":"stats"}                 -> {"stats": RelayStats}
//   {"cmd":"set","impair":{...}}    -> {"ok":true}   (change rates, e.g. drop 1 = blackhole)
//   {"cmd":"stop"}                  -> {"stats": RelayStats} and exit 0
// It prints {"ready":true} once both sockets are bound and connected.
import type { ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Netns } from '../../kit/netns.js';
import { xorshift32 } from '../../kit/random.js';

/** Probabilities per datagram, each 0..1, applied per direction. */
export interface Impairment {
  /** Datagram is not forwarded. */
  drop: number;
  /** Datagram is held back and released right after the next one of its direction (or after holdMs). */
  reorder: number;
  /** Datagram is forwarded twice. */
  duplicate: number;
}

/** One side of the relay: where it listens and whom it forwards to. */
export interface RelaySide {
  /** Relay address and port this side binds (what the node on this side dials). */
  bind: string;
  port: number;
  /** The node on this side: datagrams from the other side are sent here. */
  peer: string;
  peerPort: number;
}

/** Everything the child needs. */
export interface RelayConfig {
  a: RelaySide;
  b: RelaySide;
  impair: Impairment;
  /** PRNG seed (u32); the same seed and input order give the same decisions. */
  seed: number;
  /** A held datagram is released after this long if no other one follows (default 20 ms). */
  holdMs?: number;
}

/** Counters of one direction. */
export interface DirectionStats {
  received: number;
  forwarded: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  /** Held datagrams released by the timer instead of by a following datagram. */
  releasedByTimer: number;
  sendErrors: number;
  bytes: number;
}

/** Counters per direction: a->b is what side a received and forwarded towards b. */
export interface RelayStats {
  aToB: DirectionStats;
  bToA: DirectionStats;
}

/**
 * [0, 1) from kit's xorshift32, its state taken from the seed through a murmur3-style
 * finaliser (so seeds 0, 1, 2 give unrelated streams).
 */
export function seededRandom(seed: number): () => number {
  let s = (seed >>> 0) + 0x9e3779b9;
  s = Math.imul(s ^ (s >>> 16), 0x85ebca6b);
  s = Math.imul(s ^ (s >>> 13), 0xc2b2ae35);
  s = (s ^ (s >>> 16)) >>> 0;
  const next = xorshift32(s);
  return () => next() / 4294967296;
}

function emptyDirection(): DirectionStats {
  return { received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, releasedByTimer: 0, sendErrors: 0, bytes: 0 };
}

/** One direction's impairment state: decides per datagram, holds at most one back. */
class Direction {
  readonly stats = emptyDirection();
  private held: Buffer | null = null;
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(private readonly out: Socket, private readonly cfg: RelayConfig, private readonly rand: () => number) {}

  onDatagram(msg: Buffer): void {
    const s = this.stats;
    const { drop, reorder, duplicate } = this.cfg.impair;
    s.received++;
    // Three draws per datagram, always, so decisions depend only on the seed and arrival order.
    const rDrop = this.rand();
    const rReorder = this.rand();
    const rDup = this.rand();
    if (rDrop < drop) {
      s.dropped++;
      return;
    }
    if (this.held === null && rReorder < reorder) {
      // dgram hands us a fresh Buffer per message, so keeping it is safe.
      this.held = msg;
      s.reordered++;
      this.holdTimer = setTimeout(() => {
        this.holdTimer = null;
        if (this.held) {
          s.releasedByTimer++;
          this.release();
        }
      }, this.cfg.holdMs ?? 20);
      return;
    }
    this.send(msg);
    if (rDup < duplicate) {
      s.duplicated++;
      this.send(msg);
    }
    if (this.held !== null) this.release();
  }

  flush(): void {
    if (this.held) this.release();
  }

  private release(): void {
    const h = this.held!;
    this.held = null;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.send(h);
  }

  private send(msg: Buffer): void {
    this.stats.forwarded++;
    this.stats.bytes += msg.length;
    // Connected socket: no per-send address lookup.
    this.out.send(msg, (err) => {
      if (err) this.stats.sendErrors++;
    });
  }
}

function bindConnected(side: RelaySide): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
    s.once('error', reject);
    s.bind(side.port, side.bind, () => {
      s.connect(side.peerPort, side.peer, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
  });
}

async function childMain(cfg: RelayConfig): Promise<void> {
  const sa = await bindConnected(cfg.a);
  const sb = await bindConnected(cfg.b);
  // Independent streams per direction: one side's traffic never shifts the other's decisions.
  const aToB = new Direction(sb, cfg, seededRandom(cfg.seed));
  const bToA = new Direction(sa, cfg, seededRandom(cfg.seed ^ 0x5bd1e995));
  sa.on('message', (m) => aToB.onDatagram(m));
  sb.on('message', (m) => bToA.onDatagram(m));
  // ICMP port unreachable from a peer that is down shows up as a socket error: count, keep going.
  sa.on('error', () => bToA.stats.sendErrors++);
  sb.on('error', () => aToB.stats.sendErrors++);
  const stats = (): RelayStats => ({ aToB: { ...aToB.stats }, bToA: { ...bToA.stats } });
  const reply = (o: unknown): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  const stop = (): void => {
    aToB.flush();
    bToA.flush();
    reply({ stats: stats() });
    sa.close();
    sb.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let c: { cmd?: string; impair?: Partial<Impairment> };
    try {
      c = JSON.parse(line) as typeof c;
    } catch {
      reply({ error: `bad command ${line}` });
      return;
    }
    if (c.cmd === 'stats') reply({ stats: stats() });
    else if (c.cmd === 'set') {
      Object.assign(cfg.impair, c.impair ?? {});
      reply({ ok: true });
    } else if (c.cmd === 'stop') stop();
    else reply({ error: `unknown command ${String(c.cmd)}` });
  });
  // Parent gone: nothing will ever ask us to stop.
  rl.on('close', stop);
  reply({ ready: true });
}

// ---------------------------------------------------------------------------
// Parent side.

const SELF = fileURLToPath(import.meta.url);

/** A running relay child. */
export interface UdpRelay {
  child: ChildProcess;
  /** Current counters. */
  stats(): Promise<RelayStats>;
  /** Changes rates from now on. */
  set(impair: Partial<Impairment>): Promise<void>;
  /** Releases held datagrams, reports final counters, and waits for the exit (SIGKILL after 5 s). */
  stop(): Promise<RelayStats>;
}

/** Starts the relay in `ns`; resolves once it is bound (rejects after timeoutMs). */
export async function startUdpRelay(ns: Netns, cfg: RelayConfig, timeoutMs = 10_000): Promise<UdpRelay> {
  const child = ns.spawn(process.execPath, [SELF, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiting: ((o: Record<string, unknown>) => void)[] = [];
  let exited = false;
  const exit = new Promise<void>((r) => child.once('exit', () => {
    exited = true;
    r();
  }));
  const rl = createInterface({ input: child.stdout! });
  let onReady!: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  rl.on('line', (l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    if (o.ready) onReady();
    else waiting.shift()?.(o);
  });
  const ask = (cmd: object, ms = 5000): Promise<Record<string, unknown>> => new Promise((resolve, reject) => {
    if (exited) {
      reject(new Error(`udp relay has exited: ${stderr}`));
      return;
    }
    const t = setTimeout(() => reject(new Error(`udp relay did not answer ${JSON.stringify(cmd)} within ${ms} ms: ${stderr}`)), ms);
    waiting.push((o) => {
      clearTimeout(t);
      resolve(o);
    });
    child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  });
  let timer!: NodeJS.Timeout;
  try {
    await Promise.race([
      ready,
      exit.then(() => Promise.reject(new Error(`udp relay exited before it was ready: ${stderr}`))),
      new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`udp relay not ready within ${timeoutMs} ms: ${stderr}`)), timeoutMs))),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return {
    child,
    stats: async () => (await ask({ cmd: 'stats' })).stats as RelayStats,
    set: async (impair) => {
      await ask({ cmd: 'set', impair });
    },
    stop: async () => {
      const r = (await ask({ cmd: 'stop' })).stats as RelayStats;
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
      return r;
    },
  };
}

if (process.argv[1] === SELF) {
  childMain(JSON.parse(process.argv[2]!) as RelayConfig).catch((e: unknown) => {
    process.stderr.write(`udp-relay: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
