/**
 * UDP -> TUN: datagrams of one receive batch are dispatched by type; data
 * messages are grouped into runs per tunnel, replay-checked, decrypted in place
 * with one native call per run, filtered, and fed to the coalescer, which is
 * flushed to the TUN once per batch. Relayed packets are grouped the same way
 * into runs per relay tunnel and their tags checked with one native call per
 * run (docs/PROTOCOL.md "Relays").
 */
import { AeadBatch } from '../aead/index.js';
import { ClosedError } from '../../errors.js';
import type { Coalescer } from '../../gro/index.js';
import { DROP_REMOTE_IP, checkAddresses, type AddressSet, type Firewall } from '../firewall/index.js';
import { IPPROTO_TCP, IPPROTO_UDP, readU16BE } from '../../packet/index.js';
import type { Endpoint } from '../../udp/index.js';
import { RELAY_PATH_IP, type RelayEntry, type RelayTable } from '../relay/index.js';
import {
  AEAD_OVERHEAD, HEADER_LEN, SUBTYPE_MESSAGE_NONE, SUBTYPE_MESSAGE_RELAY, TYPE_CONTROL, TYPE_CLOSE_TUNNEL, TYPE_HANDSHAKE, TYPE_LIGHTHOUSE, TYPE_MESSAGE, TYPE_RECV_ERROR,
  TYPE_TEST, decodeHeader, newHeader,
} from '../wire/index.js';
import { LoneBatches, type HandOff } from './hand-off.js';
import { Rejects } from './reject.js';
import type { NodeStats } from './stats.js';
import type { DataTunnel } from './tunnel.js';

/** Datagrams decrypted per native call. */
const RUN_MAX = 256;

/**
 * Datagrams to process: a UdpBatch, or datagrams a routine held back and
 * processes later (parking.ts). Datagram i is buf[offsets[i], +lengths[i]).
 */
export interface DatagramBatch {
  readonly buf: Buffer;
  readonly count: number;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
  /** Equal values: the same sender (UdpBatch: the address slot). */
  readonly senders: Int32Array;
  /** Sender of datagram i. */
  peer(i: number): Endpoint;
  /** True when datagram i came from `ep`. */
  isFrom(i: number, ep: Endpoint): boolean;
}

/** What the inbound path needs from the node (or from a worker thread of a multi-queue node). */
export interface InboundHost<T extends DataTunnel> {
  stats: NodeStats;
  hostmap: { byLocalIndex(index: number): T | undefined };
  firewall: Firewall;
  local: AddressSet;
  coalescer: Coalescer;
  /**
   * Multi-queue nodes: a tunnel's replay window lives in the one thread whose
   * socket the peer's address hashes to, so messages from that address are
   * checked by this thread's window, and messages from any other address only
   * when their counter is above every counter accepted on any thread (the
   * tunnel's shared highest, claimed with compare-and-swap): the peer roamed
   * onto this thread's socket (docs/ARCHITECTURE.md "Threads and queues").
   * Without roam(), those are refused.
   */
  pinRemote: boolean;
  /** Called once per batch before delivered packets are written to the TUN (flow replication). */
  beforeDeliver?(): void;
  /**
   * Yields after a lone batch's TUN writes (hand-off.ts LoneBatches), unless the
   * outbound path yielded since the batch began; absent: never.
   */
  handOff?: HandOff;
  /** Before a packet is refused by the rules: true when flows from other threads came in (ask again). */
  refreshFlows?(): boolean;
  /** A handshake datagram. */
  handshake(counter: number, remoteIndex: number, buf: Buffer, off: number, len: number, from: Endpoint): void;
  /** A datagram for an index we don't know, or failing the replay check: answer with recv_error (docs/PROTOCOL.md "recv_error"). */
  unknownIndex(remoteIndex: number, from: Endpoint): void;
  /**
   * If set, takes data and control datagrams for an index we don't know instead
   * of unknownIndex (and counts them if it drops them): a routine may not have
   * the tunnel main just made yet.
   */
  unknownTunnel?(remoteIndex: number, from: Endpoint, buf: Buffer, off: number, len: number): void;
  /** A recv_error naming `remoteIndex`. */
  recvError(remoteIndex: number, from: Endpoint): void;
  /** The first packet authenticated on `t`, which was awaiting that proof (candidates are promoted on it). */
  proven?(t: T): void;
  /**
   * Authenticated traffic for `t` came straight from `to`, not t.remote: the control plane
   * decides whether t moves there (roaming.ts). Absent: tunnels stay where they are.
   */
  roam?(t: T, to: Endpoint): void;
  /** Relay entries (main thread of a node with relays on); relayed packets are dropped without. */
  relays?: RelayTable<T> | null;
  /**
   * A relayed packet buf[off, off+len) whose tag authenticated on e.via (docs/PROTOCOL.md "Relays"):
   * the body is buf[off+16, off+len-16). Borrowed for the call.
   */
  relayed?(e: RelayEntry<T>, buf: Buffer, off: number, len: number): void;
  /** An authenticated control message (test, close, lighthouse, relay control) on `t`; plaintext at buf[off, off+len), valid during the call. */
  control(t: T, type: number, subtype: number, buf: Buffer, off: number, len: number): void;
  /**
   * Sends a sealed datagram to `to`: the rejects of firewall.inbound_action reject. Without it,
   * refused packets are only dropped.
   */
  send?(to: Endpoint, bytes: Buffer): void;
}

/** The UDP -> TUN data path of one socket. */
export class InboundPath<T extends DataTunnel> {
  private readonly hdr = newHeader();
  private readonly aead = new AeadBatch(RUN_MAX);
  private readonly run = new Run<T>();
  // The run of relayed packets being gathered: one relay tunnel (via), their datagram indexes, counters and entries.
  private readonly relayAead = new AeadBatch(RUN_MAX);
  private readonly relayRun = new Run<T>();
  private readonly relayEntry: (RelayEntry<T> | null)[] = new Array<RelayEntry<T> | null>(RUN_MAX).fill(null);
  private writeErrorsSeen = 0;
  private readonly loneBatches = new LoneBatches();
  private batch: DatagramBatch | null = null;
  private now = 0;
  // The last (tunnel, sender slot) pair that passed the pinRemote check in this batch.
  private pinnedTunnel: T | null = null;
  private pinnedSender = -1;
  // Answers for refused packets (firewall.inbound_action: reject; made at the first one, as a reload may turn it on).
  private rejects: Rejects | null = null;
  private readonly canSend: boolean;
  private readonly send: (to: Endpoint, bytes: Buffer) => void;

  constructor(private readonly host: InboundHost<T>) {
    const send = host.send;
    this.canSend = send !== undefined;
    this.send = send ?? (() => undefined);
  }

  /** Processes one receive batch and flushes what it delivered to the TUN. */
  async handle(b: DatagramBatch, nowMs: number): Promise<void> {
    this.batch = b;
    this.now = nowMs;
    this.pinnedTunnel = null;
    const { stats, hostmap } = this.host;
    const deliveredBefore = stats.delivered;
    const yieldMark = this.host.handOff?.yields ?? 0;
    const hdr = this.hdr;
    const buf = b.buf;
    // The tunnel of the last data datagram's index: a batch is mostly runs of one tunnel.
    // Only non-data datagrams (handshakes, control) can change the hostmap mid-batch; they clear it.
    let cachedIndex = -1;
    let cached: T | undefined;
    for (let i = 0; i < b.count; i++) {
      const off = b.offsets[i]!;
      const len = b.lengths[i]!;
      stats.datagramsIn++;
      // Shorter than a header: punchy keepalives (1 byte) and noise (docs/PROTOCOL.md "Header").
      if (!decodeHeader(buf, off, len, hdr)) {
        stats.drops['outside-short']++;
        continue;
      }
      const type = hdr.type;
      if (type === TYPE_MESSAGE && hdr.subtype === SUBTYPE_MESSAGE_NONE) {
        if (hdr.remoteIndex !== cachedIndex) {
          cachedIndex = hdr.remoteIndex;
          cached = hostmap.byLocalIndex(cachedIndex);
        }
        const t = cached;
        if (t === undefined) {
          this.flushRun();
          this.unknown(i);
          continue;
        }
        const admit = this.admits(t, i, len, AEAD_OVERHEAD);
        if (admit === REFUSED) {
          this.flushRun();
          continue;
        }
        if (!this.run.joins(t)) this.flushRun();
        this.run.add(t, i, hdr.counterHi, hdr.counterLo, admit);
        continue;
      }
      this.flushRun();
      if (type === TYPE_MESSAGE && hdr.subtype === SUBTYPE_MESSAGE_RELAY) {
        this.relayPacket(i);
        continue;
      }
      this.flushRelayRun();
      cachedIndex = -1;
      if (type === TYPE_HANDSHAKE) this.host.handshake(hdr.counter, hdr.remoteIndex, buf, off, len, b.peer(i));
      else if (type === TYPE_RECV_ERROR) {
        stats.recvErrorsReceived++;
        this.host.recvError(hdr.remoteIndex, b.peer(i));
      } else if (type === TYPE_TEST || type === TYPE_CLOSE_TUNNEL || type === TYPE_LIGHTHOUSE || type === TYPE_CONTROL) this.controlPacket(i, type, hdr.subtype);
      else stats.drops['outside-unhandled-type']++;
    }
    this.flushRun();
    this.flushRelayRun();
    this.batch = null;
    this.pinnedTunnel = null;
    this.host.beforeDeliver?.();
    try {
      await this.host.coalescer.flush();
    } catch (e) {
      // The TUN refusing packets (link down: EIO) loses this batch, not the node;
      // a closed queue ends the loop as usual.
      if (e instanceof ClosedError) throw e;
      stats.drops['outside-tun-write'] += this.host.coalescer.stats().writeErrors - this.writeErrorsSeen;
    }
    this.writeErrorsSeen = this.host.coalescer.stats().writeErrors;
    // The packet may have woken its application on this CPU: let it run before the rest of our turn.
    // An answer the kernel queued during the writes may have gone out meanwhile (data-plane.ts reads
    // the TUN at once), and that send's yield served the application too.
    if (this.loneBatches.lone(stats.delivered - deliveredBefore, nowMs)) this.host.handOff?.unlessSince(yieldMark);
  }

  // Control messages are authenticated before anything acts on them (stricter than 1.6.1 for close, docs/PROTOCOL.md "close_tunnel").
  private controlPacket(i: number, type: number, subtype: number): void {
    const b = this.batch!;
    const { stats, hostmap } = this.host;
    const hdr = this.hdr;
    const t = hostmap.byLocalIndex(hdr.remoteIndex);
    const off = b.offsets[i]!;
    const len = b.lengths[i]!;
    if (t === undefined) {
      this.unknown(i);
      return;
    }
    const admit = this.admits(t, i, len, AEAD_OVERHEAD);
    if (admit === REFUSED) return;
    const aead = this.aead.reset(b.buf);
    aead.add(off, len);
    t.open.open(aead);
    stats.aeadOpenCalls++;
    stats.aeadOpened++;
    const plen = aead.out[0]!;
    if (!this.accepted(t, plen, hdr.counterHi, hdr.counterLo, admit)) return;
    this.alive(t, i);
    this.host.control(t, type, subtype, b.buf, off + HEADER_LEN, plen);
  }

  // A relayed packet (1/1): the index names a relay entry, whose tunnel's window and receive key check
  // it; only the tag is checked, the body stays as sent (docs/PROTOCOL.md "Relays"). Cheap checks
  // here; the tag is checked with the rest of its run (flushRelayRun).
  private relayPacket(i: number): void {
    const b = this.batch!;
    const { stats } = this.host;
    const hdr = this.hdr;
    const e = this.host.relays?.get(hdr.remoteIndex);
    const len = b.lengths[i]!;
    if (e === undefined) {
      if (this.host.relays == null) {
        stats.drops['outside-unhandled-type']++;
        return;
      }
      stats.drops['outside-unknown-index']++;
      this.host.unknownIndex(hdr.remoteIndex, b.peer(i));
      return;
    }
    const t = e.via;
    if (t.isClosed) {
      stats.drops['outside-unknown-index']++;
      return;
    }
    const admit = this.admits(t, i, len, AEAD_OVERHEAD + HEADER_LEN);
    if (admit === REFUSED) return;
    if (!this.relayRun.joins(t)) this.flushRelayRun();
    this.relayEntry[this.relayRun.add(t, i, hdr.counterHi, hdr.counterLo, admit)] = e;
  }

  // Checks the tags of the gathered run of relayed packets in one native call; the authentic ones
  // pass the replay window and go to the host in order.
  private flushRelayRun(): void {
    const r = this.relayRun;
    const n = r.n;
    const t = r.tunnel;
    if (n === 0 || t === null) return;
    const b = this.batch!;
    const aead = r.fill(this.relayAead, b);
    r.clear();
    t.open.verify(aead);
    let lastGood = -1;
    for (let k = 0; k < n; k++) {
      const e = this.relayEntry[k]!;
      this.relayEntry[k] = null;
      if (!this.accepted(t, aead.out[k]!, r.hi[k]!, r.lo[k]!, r.admit[k]! as Admit)) continue;
      lastGood = k;
      const i = r.idx[k]!;
      this.host.relayed?.(e, b.buf, b.offsets[i]!, b.lengths[i]!);
    }
    if (lastGood >= 0) this.alive(t, r.idx[lastGood]!);
  }

  // Datagram i (header in this.hdr) names an index we have no tunnel for.
  private unknown(i: number): void {
    const b = this.batch!;
    const h = this.host;
    if (h.unknownTunnel) {
      h.unknownTunnel(this.hdr.remoteIndex, b.peer(i), b.buf, b.offsets[i]!, b.lengths[i]!);
      return;
    }
    h.stats.drops['outside-unknown-index']++;
    h.unknownIndex(this.hdr.remoteIndex, b.peer(i));
  }

  // Whether datagram i (len bytes) may go on to authentication on t, and how: from t's remote
  // (see fromRemote), or else (pinRemote) FOREIGN, when its counter is above the tunnel's shared
  // highest; at least minLen long (shorter cannot carry a tag: nothing to authenticate, so no
  // answer), and a counter t's window has not seen (else answered as an unknown index). A
  // refusal is counted by reason. The one pre-check of data, control and relayed datagrams.
  private admits(t: T, i: number, len: number, minLen: number): Admit {
    const { stats } = this.host;
    let admit: Admit = ADMITTED;
    if (!this.fromRemote(t, i)) {
      const hdr = this.hdr;
      if (this.host.roam === undefined || !t.aboveInbound(hdr.counterHi, hdr.counterLo)) {
        stats.drops['outside-wrong-remote']++;
        return REFUSED;
      }
      admit = FOREIGN;
    }
    if (len < minLen) {
      stats.drops['outside-short']++;
      return REFUSED;
    }
    const hdr = this.hdr;
    if (t.window.check(hdr.counterHi, hdr.counterLo) !== null) {
      stats.drops['outside-replay']++;
      this.host.unknownIndex(hdr.remoteIndex, this.batch!.peer(i));
      return REFUSED;
    }
    return admit;
  }

  // With pinRemote, datagram i must come from t.remote; checked once per (tunnel, sender) run.
  private fromRemote(t: T, i: number): boolean {
    if (!this.host.pinRemote) return true;
    const b = this.batch!;
    const sender = b.senders[i]!;
    if (t === this.pinnedTunnel && sender === this.pinnedSender) return true;
    if (!b.isFrom(i, t.remote)) return false;
    this.pinnedTunnel = t;
    this.pinnedSender = sender;
    return true;
  }

  // Whether a message the AEAD answered (plen < 0: its tag failed) authenticated and its counter
  // (hi, lo) was new to t's replay window, which now records it; a FOREIGN one must also claim
  // the tunnel's shared highest counter. A refusal is counted by reason.
  private accepted(t: T, plen: number, hi: number, lo: number, admit: Admit): boolean {
    if (plen < 0) {
      this.host.stats.drops['outside-auth']++;
      return false;
    }
    if ((admit === FOREIGN && !t.claimInbound(hi, lo)) || t.window.update(hi, lo) !== null) {
      this.host.stats.drops['outside-replay']++;
      return false;
    }
    return true;
  }

    private alive(t: T, i: number): void {
    t.lastInbound = this.now;
    t.testPendingSince = 0;
    t.recvErrors = 0;
    if (t.awaitingProof) {
      t.awaitingProof = false;
      this.host.proven?.(t);
    }
    // Multi-queue: the other threads learn how far this one got (what a FOREIGN message must pass).
    if (this.host.pinRemote) t.publishInbound();
    // Roaming: authenticated traffic from a new address moves the tunnel there.
    const b = this.batch!;
    // Never onto a relay: 1.6.1 roams only on packets that came straight from an address (outside.go).
    if (b.isFrom(i, t.remote)) return;
    const to = b.peer(i);
    if (to.ip !== RELAY_PATH_IP) this.host.roam?.(t, to);
  }

  private flushRun(): void {
    const r = this.run;
    const n = r.n;
    const t = r.tunnel;
    if (n === 0 || t === null) return;
    const b = this.batch!;
    const { stats, firewall, local, coalescer } = this.host;
    const buf = b.buf;
    const aead = r.fill(this.aead, b);
    r.clear();
    t.open.open(aead);
    stats.aeadOpenCalls++;
    stats.aeadOpened += n;
    let lastGood = -1;
    // Authenticated messages of this run and their inner bytes, counted on the tunnel once at the end.
    let good = 0;
    let bytes = 0;
    // The last packet of this run the address check and firewall passed (-1: none).
    let passed = -1;
    for (let k = 0; k < n; k++) {
      const plen = aead.out[k]!;
      // The check before decrypting saw the window as it was before this run; update() also rejects in-run duplicates.
      if (!this.accepted(t, plen, r.hi[k]!, r.lo[k]!, r.admit[k]! as Admit)) continue;
      lastGood = k;
      good++;
      bytes += plen;
      const inner = b.offsets[r.idx[k]!]! + HEADER_LEN;
      if (passed >= 0 && sameFlow(buf, passed, inner, plen)) {
        stats.delivered++;
        coalescer.add(buf, inner, plen);
        continue;
      }
      const bad = checkAddresses(buf, inner, plen, 'inbound', t.identity, local);
      if (bad !== null
        || (firewall.filter(buf, inner, plen, 'inbound', t.identity, this.now) !== null
          && !(this.host.refreshFlows?.() && firewall.filter(buf, inner, plen, 'inbound', t.identity, this.now) === null))) {
        // A source the peer's certificate does not hold (neither its IP nor one of its subnets,
        // docs/PROTOCOL.md "Unsafe routes") has a reason of its own: it is how a missing subnet shows.
        stats.drops[bad === DROP_REMOTE_IP ? 'outside-remote-ip' : 'outside-firewall']++;
        // Only an authenticated packet gets here: the reject goes back to the peer that sent it.
        if (this.canSend && firewall.rejects('inbound')) (this.rejects ??= new Rejects(stats)).toPeer(t, buf, inner, plen, this.now, this.send);
        continue;
      }
      stats.delivered++;
      passed = inner;
      coalescer.add(buf, inner, plen);
    }
    if (lastGood >= 0) {
      t.countIn(good, bytes);
      stats.bytesIn += bytes;
      this.alive(t, r.idx[lastGood]!);
    }
  }
}

/** admits(): refused (counted). */
const REFUSED = 0;
/** admits(): from the tunnel's remote address, for its window. */
const ADMITTED = 1;
/** admits(): from another address, above the tunnel's shared highest counter (pinRemote). */
const FOREIGN = 2;
type Admit = typeof REFUSED | typeof ADMITTED | typeof FOREIGN;

/** Datagrams of one batch gathered for one tunnel's native call: their indexes and header counters. */
class Run<T> {
  tunnel: T | null = null;
  n = 0;
  readonly idx = new Int32Array(RUN_MAX);
  readonly hi = new Uint32Array(RUN_MAX);
  readonly lo = new Uint32Array(RUN_MAX);
  readonly admit = new Uint8Array(RUN_MAX);

  /** Whether a datagram on t can join (same tunnel, room left). */
  joins(t: T): boolean {
    return t === this.tunnel && this.n < RUN_MAX;
  }

  /** Adds datagram i (its counter hi, lo, how it was admitted) on t; returns its place in the run. */
  add(t: T, i: number, hi: number, lo: number, admit: Admit): number {
    const k = this.n++;
    this.tunnel = t;
    this.idx[k] = i;
    this.hi[k] = hi;
    this.lo[k] = lo;
    this.admit[k] = admit;
    return k;
  }

  /** Points `aead` at b's buffer with the run's datagrams, in order; returns it. */
  fill(aead: AeadBatch, b: DatagramBatch): AeadBatch {
    aead.reset(b.buf);
    for (let k = 0; k < this.n; k++) {
      const i = this.idx[k]!;
      aead.add(b.offsets[i]!, b.lengths[i]!);
    }
    return aead;
  }

  /** Empties the run (its arrays keep their values until reused). */
  clear(): void {
    this.n = 0;
    this.tunnel = null;
  }
}

/**
 * Whether the TCP or UDP packet buf[at, +len) has the addresses, protocol and
 * ports of the unfragmented packet at buf[prev] (which passed), so it would
 * pass too: within one run (one tunnel, one clock value) the address check is
 * a function of those fields, and the firewall finds the flow the earlier
 * packet tracked or refreshed to the same expiry. Anything else (other
 * protocols, fragments, short packets) takes the full checks.
 */
function sameFlow(buf: Buffer, prev: number, at: number, len: number): boolean {
  const b0 = buf[at]!;
  const proto = buf[at + 9]!;
  const ihl = (b0 & 0x0f) << 2;
  if (b0 !== buf[prev] || proto !== buf[prev + 9] || (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP)) return false;
  if (ihl < 20 || len < ihl + 4 || (readU16BE(buf, at + 6) & 0x1fff) !== 0 || (readU16BE(buf, prev + 6) & 0x1fff) !== 0) return false;
  // Source and destination addresses (12..19), then the two ports at the same IHL.
  for (let i = 12; i < 20; i++) if (buf[at + i] !== buf[prev + i]) return false;
  return buf[at + ihl] === buf[prev + ihl] && buf[at + ihl + 1] === buf[prev + ihl + 1]
    && buf[at + ihl + 2] === buf[prev + ihl + 2] && buf[at + ihl + 3] === buf[prev + ihl + 3];
}
