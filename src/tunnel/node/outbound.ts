/**
 * TUN -> UDP: each read batch is filtered, cut into segments laid out in an
 * arena with room for the Nebula header and tag, given their headers and
 * sealed in place with one native call per tunnel run, and sent with UDP GSO
 * (one sendmsg per run of equal datagrams) batched across peers with sendmmsg.
 * Datagrams of a tunnel reached through a relay are laid out with room for a
 * second header and tag, and after the seal each run of them is wrapped for
 * the relay (outer header and tag, one more native call) and sent the same
 * way to the relay (docs/PROTOCOL.md "Relays").
 */
import { Segmenter } from '../../gso/index.js';
import type { Packet } from '../../tun/index.js';
import { releaseBuffer } from '../../native.js';
import { LightFirst, readU32BE, type BatchEntry } from '../../packet/index.js';
import { DROP_REMOTE_IP, checkAddresses, type AddressSet, type Firewall } from '../firewall/index.js';
import { RELAY_PATH_IP } from '../relay/index.js';
import { SendBatch, type Endpoint, type UdpSocket } from '../../udp/index.js';
import { AEAD_TAG_LEN, HEADER_LEN } from '../wire/index.js';
import { LoneBatches } from './hand-off.js';
import { Rejects, type RejectWriter } from './reject.js';
import type { NodeStats } from './stats.js';
import type { DataTunnel } from './tunnel.js';

/** Segments that fit in one flush; bounded by arena bytes long before this for real traffic. */
const MAX_SEGMENTS = 4096;
/** Arena: one TUN read batch (<= 1 MiB receive buffer) plus a header copy and 32 bytes of room per segment. */
const ARENA_BYTES = 4 << 20;
/** Extra room per segment of a relayed tunnel: the outer (relay) header and tag (docs/PROTOCOL.md "Relays"). */
const RELAY_ROOM = HEADER_LEN + AEAD_TAG_LEN;
/** Smallest room one segment takes: header + tag + IPv4 + UDP headers. */
const MIN_SEGMENT_ROOM = HEADER_LEN + AEAD_TAG_LEN + 28;
/**
 * sealAhead for the threads of a multi-queue node: a quarter of the replay
 * window, so a few threads sending to one peer at once stay inside it.
 */
export const SHARED_SEAL_AHEAD = 256;

// How LightFirst sees packet i of a TUN read batch.
function viewPacket(batch: readonly Packet[], i: number, out: BatchEntry): void {
  const p = batch[i]!;
  out.buf = p.buf;
  out.off = p.off;
  out.len = p.len;
  out.superpacket = p.gso !== null;
}

/** The relay a relayed tunnel's datagrams go through: the tunnel to the relay and the index the relay gave this path. */
export interface RelayHop {
  readonly via: DataTunnel;
  readonly remoteIndex: number;
}

/** What the outbound path needs from the node. */
export interface OutboundHost {
  stats: NodeStats;
  firewall: Firewall;
  local: AddressSet;
  udp: UdpSocket;
  /** The TUN queue the packets came from: the rejects of firewall.outbound_action reject go there. */
  tun?: RejectWriter;
  /**
   * The tunnel for an inner destination, or null (and the packet is handled: queued for a
   * handshake or dropped), or false when the destination has no route at all (counted by the
   * host; answered like a refusal under outbound_action reject, as nebula does).
   */
  route(dst: number, p: Packet): DataTunnel | null | false;
  /** Called at every flush, before its datagrams are sent (flow replication). */
  beforeSend?(): void;
  /** Called after a send in which the kernel refused some datagrams (batch.failed > 0). */
  sendFailed?(batch: SendBatch): void;
  /** Before a packet is refused by the rules: true when flows from other threads came in (ask again). */
  refreshFlows?(): boolean;
  /**
   * Most datagrams sealed before they are sent (default: a whole flush). With
   * several threads sending on one tunnel (shared counter), this bounds how far
   * apart in counter order concurrent sends can arrive: the receiver's replay
   * window is 1024 wide.
   */
  sealAhead?: number;
  /**
   * The established relay behind the stand-in endpoint `to` (RELAY_PATH_IP) of a tunnel reached
   * through a relay, or null (docs/PROTOCOL.md "Relays"). Without it such tunnels get nothing.
   */
  relayHop?(to: Endpoint): RelayHop | null;
  /**
   * Called right after the send of a lone batch (hand-off.ts LoneBatches), before
   * anything else of the turn: the data plane reads its socket and hands off the
   * CPU there (hand-off.ts afterLoneSend). Absent: nothing.
   */
  afterLoneSend?(): void;
}

/** The TUN -> UDP data path of one queue. */
export class OutboundPath {
  private readonly arena = Buffer.alloc(ARENA_BYTES);
  private pos = 0;
  private readonly segOff = new Int32Array(MAX_SEGMENTS);
  private readonly segLen = new Int32Array(MAX_SEGMENTS);
  private readonly segTunnel: (DataTunnel | null)[] = new Array<DataTunnel | null>(MAX_SEGMENTS).fill(null);
  // 1 where a segment was laid out with room for a second header and tag (its tunnel was relayed then).
  private readonly segRelay = new Uint8Array(MAX_SEGMENTS);
  // Inner packets (header, ciphertext, tag) of relayed segments, for the wrapping call.
  private readonly innerOff = new Int32Array(MAX_SEGMENTS);
  private readonly innerLen = new Int32Array(MAX_SEGMENTS);
  private nseg = 0;
  private current: DataTunnel | null = null;
  private currentRelay = 0;
  private now = 0;
  private readonly segmenter = new Segmenter();
  private readonly sends = new SendBatch(1024);
  private readonly lightFirst = new LightFirst();
  private readonly loneBatches = new LoneBatches();
  private readonly onSegment = (_buf: Buffer, off: number, len: number): void => {
    const n = this.nseg++;
    this.segOff[n] = off;
    this.segLen[n] = len;
    this.segTunnel[n] = this.current;
    this.segRelay[n] = this.currentRelay;
  };

  // Answers for refused packets (firewall.outbound_action: reject; made at the first one, as a reload may turn it on).
  private rejects: Rejects | null = null;

  constructor(private readonly host: OutboundHost) {}

  // Answers the refused packet buf[off, +len) on the TUN when the firewall says reject.
  private reject(buf: Buffer, off: number, len: number, nowMs: number): void {
    const tun = this.host.tun;
    if (tun === undefined || !this.host.firewall.rejects('outbound')) return;
    (this.rejects ??= new Rejects(this.host.stats)).toTun(tun, buf, off, len, nowMs);
  }

  /**
   * Frees the arena now instead of whenever GC gets to it. Only once no
   * handle() is running; handle() must not be called afterwards.
   */
  close(): void {
    releaseBuffer(this.arena.buffer as ArrayBuffer);
  }

  /** Encrypts and sends one TUN read batch; resolves when the kernel has every datagram. */
  async handle(batch: readonly Packet[], nowMs: number): Promise<void> {
    const { stats, firewall, local } = this.host;
    this.now = nowMs;
    // Light packets (a ping beside a bulk stream's superpackets) are laid out, sealed and sent
    // first; with none, or no bulk, arrival order (docs/LATENCY.md "Light packets first").
    const order = this.lightFirst.order(batch, batch.length, viewPacket);
    for (let k = 0; k < batch.length; k++) {
      const p = batch[order[k]!]!;
      stats.insidePackets++;
      const buf = p.buf;
      const off = p.off;
      if (p.len < 20 || buf[off]! >>> 4 !== 4) {
        stats.drops['inside-not-ipv4']++;
        continue;
      }
      const t = this.host.route(readU32BE(buf, off + 16), p);
      if (t === null) continue;
      if (t === false) {
        this.reject(buf, off, p.len, nowMs);
        continue;
      }
      // One check covers every segment of a superpacket: they share addresses, ports and protocol.
      const bad = checkAddresses(buf, off, p.len, 'outbound', t.identity, local);
      if (bad !== null
        || (firewall.filter(buf, off, p.len, 'outbound', t.identity, nowMs) !== null
          && !(this.host.refreshFlows?.() && firewall.filter(buf, off, p.len, 'outbound', t.identity, nowMs) === null))) {
        // A destination the peer's certificate does not hold: typically an unsafe route via a host
        // whose certificate lacks that subnet (docs/PROTOCOL.md "Unsafe routes").
        stats.drops[bad === DROP_REMOTE_IP ? 'inside-remote-ip' : 'inside-firewall']++;
        this.reject(buf, off, p.len, nowMs);
        continue;
      }
      // Decided here, for the layout: the tunnel may move to or from a relay before the flush.
      const relay = t.remote.ip === RELAY_PATH_IP;
      const head = relay ? 2 * HEADER_LEN : HEADER_LEN;
      const tail = relay ? 2 * AEAD_TAG_LEN : AEAD_TAG_LEN;
      const need = this.segmenter.roomFor(p, head, tail);
      if (need === 0) {
        stats.drops['inside-segment']++;
        continue;
      }
      if (this.pos + need > this.arena.length || this.nseg + Math.ceil(need / MIN_SEGMENT_ROOM) > MAX_SEGMENTS) await this.flush();
      this.current = t;
      this.currentRelay = relay ? 1 : 0;
      const r = this.segmenter.segmentInto(p, this.arena, this.pos, head, tail, this.onSegment);
      if (r < 0) {
        stats.drops['inside-segment']++;
        continue;
      }
      this.pos += need;
    }
    await this.flush();
  }

  private async flush(): Promise<void> {
    // Flows the firewall admitted for these packets reach the other threads before the packets leave.
    this.host.beforeSend?.();
    const n = this.nseg;
    if (n === 0) return;
    this.nseg = 0;
    this.pos = 0;
    const piece = this.host.sealAhead ?? n;
    try {
      for (let lo = 0; lo < n; lo += piece) {
        await this.sealAndSend(lo, Math.min(n, lo + piece));
        if (this.sends.failed > 0) this.host.sendFailed?.(this.sends);
      }
    } finally {
      this.segTunnel.fill(null, 0, n);
    }
  }

  // Seals segments [lo, hi) and hands them to the kernel.
  private sealAndSend(lo: number, hi: number): Promise<number> | undefined {
    const { segOff, segLen, segTunnel, segRelay, arena, sends, host } = this;
    for (let i = lo; i < hi;) {
      const t = segTunnel[i]!;
      let j = i + 1;
      while (j < hi && segTunnel[j] === t) j++;
      this.seal(t, i, j);
      i = j;
    }
    // Runs of contiguous, equal-size datagrams to one peer go out as one UDP_SEGMENT send;
    // a shorter datagram may end a run (the kernel allows a short last segment). A run through
    // a relay is wrapped for it first and goes to the relay, the same way.
    sends.clear();
    let sent = 0;
    for (let i = lo; i < hi;) {
      const t = segTunnel[i]!;
      const laid = segRelay[i]!;
      // Where the datagram starts, and what it adds to the plaintext: header and tag, twice if relayed.
      const relayed = laid === 1 && t.remote.ip === RELAY_PATH_IP;
      const head = relayed ? 2 * HEADER_LEN : HEADER_LEN;
      const extra = relayed ? 2 * RELAY_ROOM : RELAY_ROOM;
      const start = segOff[i]! - head;
      const size = segLen[i]! + extra;
      let end = start + size;
      let j = i + 1;
      while (j < hi && segTunnel[j] === t && segRelay[j] === laid && segOff[j]! - head === end) {
        const s = segLen[j]! + extra;
        if (s > size) break;
        end += s;
        j++;
        if (s < size) break;
      }
      if (t.isClosed) {
        // Nothing: the tunnel went away since these were read.
      } else if (t.remote.ip !== RELAY_PATH_IP) {
        if (j - i > 1) sends.addSegments(t.remote, start, end - start, size);
        else sends.add(t.remote, start, size);
        sent += j - i;
      } else {
        const hop = relayed ? host.relayHop?.(t.remote) ?? null : null;
        if (hop === null || hop.via.isClosed) {
          // No established relay (or laid out before the tunnel moved onto one): counted, as nebula drops them.
          host.stats.drops['outside-relay-not-ready'] += j - i;
        } else {
          this.wrap(hop, i, j);
          if (j - i > 1) sends.addSegments(hop.via.remote, start, end - start, size);
          else sends.add(hop.via.remote, start, size);
          sent += j - i;
        }
      }
      // Per run: the datagrams' bytes less each one's header and tag are the inner bytes.
      if (!t.isClosed) {
        const bytes = end - start - (j - i) * (HEADER_LEN + AEAD_TAG_LEN);
        t.countOut(j - i, bytes);
        this.host.stats.bytesOut += bytes;
      }
      i = j;
    }
    host.stats.datagramsOut += sent;
    if (sends.count === 0) return undefined;
    const sending = host.udp.sendBatch(arena, sends);
    // The datagram may have woken a peer on this host, or the peer may have answered already.
    if (this.loneBatches.lone(hi - lo, this.now)) host.afterLoneSend?.();
    return sending;
  }

  // The sealed datagrams of segments [from, to) become the bodies of relayed packets on hop.via:
  // outer headers with consecutive counters of that tunnel and tags, in one native call.
  private wrap(hop: RelayHop, from: number, to: number): void {
    const { segOff, segLen, innerOff, innerLen } = this;
    for (let k = from; k < to; k++) {
      innerOff[k] = segOff[k]! - HEADER_LEN;
      innerLen[k] = segLen[k]! + RELAY_ROOM;
    }
    const via = hop.via;
    via.lastOutbound = this.now;
    via.seal.tagMessages(this.arena, innerOff, innerLen, from, to, hop.remoteIndex, via.reserveCounters(to - from));
  }

  // Headers with consecutive counters and the seal, in one native call per run.
  private seal(t: DataTunnel, from: number, to: number): void {
    if (t.isClosed) return;
    // Once per run, not per packet: in a multi-queue node this is a cell shared between threads.
    t.lastOutbound = this.now;
    const first = t.reserveCounters(to - from);
    t.seal.sealMessages(this.arena, this.segOff, this.segLen, from, to, t.remoteIndex, first);
    const stats = this.host.stats;
    stats.aeadSealCalls++;
    stats.aeadSealed += to - from;
  }
}
