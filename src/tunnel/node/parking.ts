/**
 * Datagrams a routine holds back because their tunnel has not reached it yet.
 *
 * Main replicates a tunnel to the routines just after making it, and the
 * peer's first datagrams can beat that message to a routine; answering them
 * with recv_error would cost a needless re-handshake. So a routine parks them
 * for up to PARK_MS: the tunnel's arrival sends them through the inbound path,
 * and the ones still waiting after that are answered with recv_error.
 */
import { copyBytes } from './copy.js';
import type { DatagramBatch } from './inbound.js';
import type { NodeStats } from './stats.js';
import type { Endpoint } from '../../udp/index.js';

/** How long a data datagram for an unknown index waits for its tunnel (a replication round trip is far less). */
export const PARK_MS = 200;
/** Most datagrams (and bytes) waiting at once; beyond, unknown indexes are answered at once. */
const PARK_MAX = 256;
const PARK_MAX_BYTES = 1 << 20;

interface Parked {
  remoteIndex: number;
  from: Endpoint;
  bytes: Uint8Array;
  at: number;
}

/** Parked datagrams as a batch for InboundPath, copied into one buffer. */
class ParkedBatch implements DatagramBatch {
  readonly buf: Buffer;
  readonly count: number;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  readonly senders: Int32Array;
  private readonly from: Endpoint[];

  constructor(list: readonly Parked[]) {
    this.count = list.length;
    this.buf = Buffer.alloc(list.reduce((n, p) => n + p.bytes.length, 0));
    this.offsets = new Int32Array(list.length);
    this.lengths = new Int32Array(list.length);
    this.senders = new Int32Array(list.length);
    this.from = list.map((p) => p.from);
    let at = 0;
    list.forEach((p, i) => {
      this.buf.set(p.bytes, at);
      this.offsets[i] = at;
      this.lengths[i] = p.bytes.length;
      this.senders[i] = i;
      at += p.bytes.length;
    });
  }

  peer(i: number): Endpoint {
    return this.from[i]!;
  }

  isFrom(i: number, ep: Endpoint): boolean {
    return this.from[i]!.equals(ep);
  }
}

/** What parking needs from its data plane. */
export interface ParkingHost {
  stats: NodeStats;
  now(): number;
  /** Answers a datagram whose index stayed unknown (recv_error, docs/PROTOCOL.md "recv_error"). */
  refuse(remoteIndex: number, from: Endpoint): void;
  /** Datagrams whose tunnel arrived: run them through the inbound path. */
  deliver(batch: DatagramBatch): void;
  /** Counters changed outside a batch (expired datagrams). */
  changed(): void;
}

/** The datagrams one data plane holds for tunnels on their way to it. */
export class Parking {
  private parked: Parked[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly host: ParkingHost) {}

  /** Holds datagram buf[off, off+len) for `remoteIndex` (copied), or refuses it when full. */
  park(remoteIndex: number, from: Endpoint, buf: Buffer, off: number, len: number): void {
    const { host } = this;
    if (this.parked.length >= PARK_MAX || this.bytes + len > PARK_MAX_BYTES) {
      host.stats.drops['outside-unknown-index']++;
      host.refuse(remoteIndex, from);
      return;
    }
    this.parked.push({ remoteIndex, from, bytes: copyBytes(buf, off, len), at: host.now() });
    this.bytes += len;
    this.timer ??= setTimeout(() => this.expire(), PARK_MS);
  }

  /** The tunnel with this local index arrived: its parked datagrams go through the inbound path now. */
  tunnelArrived(localIndex: number): void {
    const mine = this.parked.filter((p) => p.remoteIndex === localIndex);
    if (mine.length === 0) return;
    this.parked = this.parked.filter((p) => p.remoteIndex !== localIndex);
    for (const p of mine) this.bytes -= p.bytes.length;
    // They were counted when they first arrived.
    this.host.stats.datagramsIn -= mine.length;
    this.host.deliver(new ParkedBatch(mine));
  }

  /** Drops everything held (the data plane is closing). */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.parked = [];
    this.bytes = 0;
  }

  // Datagrams whose tunnel did not come in time: unknown after all (one recv_error per index and sender).
  private expire(): void {
    this.timer = null;
    const { host } = this;
    const now = host.now();
    const keep: Parked[] = [];
    const answered = new Set<string>();
    for (const p of this.parked) {
      if (now - p.at < PARK_MS) {
        keep.push(p);
        continue;
      }
      host.stats.drops['outside-unknown-index']++;
      this.bytes -= p.bytes.length;
      const key = `${p.remoteIndex}/${p.from.key}`;
      if (answered.has(key)) continue;
      answered.add(key);
      host.refuse(p.remoteIndex, p.from);
    }
    this.parked = keep;
    host.changed();
    if (keep.length > 0) this.timer = setTimeout(() => this.expire(), Math.max(1, PARK_MS - (now - keep[0]!.at)));
  }
}
