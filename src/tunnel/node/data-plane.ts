/**
 * The data plane of one queue: a TUN queue and a UDP socket, the outbound
 * (TUN -> UDP) and inbound (UDP -> TUN) paths between them, the firewall and
 * coalescer they use, and a table of tunnels. A node of N queues runs N of
 * them: data plane 0 on the main thread next to the control plane (node.ts),
 * data planes 1..N-1 in worker threads on replicated tunnels
 * (routine-worker.ts). Anything beyond moving packets is asked of the control
 * plane (control-plane.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import { AeadBatch } from '../aead/index.js';
import { ClosedError } from '../../errors.js';
import { Coalescer, type CoalescerOptions, type CoalescerStats } from '../../gro/index.js';
import { Segmenter } from '../../gso/index.js';
import type { Packet, Queue } from '../../tun/index.js';
import { Firewall, type AddressSet, type FirewallOptions } from '../firewall/index.js';
import { RELAY_ESTABLISHED, RELAY_FORWARDING, RELAY_PATH_IP, type RelayEntry, type RelayTable } from '../relay/index.js';
import { SendBatch, type Endpoint, type UdpSocket } from '../../udp/index.js';
import {
  SUBTYPE_TEST_REPLY, SUBTYPE_TEST_REQUEST, TYPE_CLOSE_TUNNEL, TYPE_CONTROL, TYPE_LIGHTHOUSE, TYPE_TEST,
  AEAD_OVERHEAD, HEADER_LEN, recvErrorPacket, shouldSendRecvError, type SendRecvErrorMode,
} from '../wire/index.js';
import { clock } from './clock.js';
import { sealControl } from './control.js';
import type { ControlPlane } from './control-plane.js';
import { FlowShare } from './flow-share.js';
import { HandOff, afterLoneSend } from './hand-off.js';
import type { Hostmap } from './hostmap.js';
import { InboundPath, type DatagramBatch } from './inbound.js';
import { OutboundPath, SHARED_SEAL_AHEAD } from './outbound.js';
import { Parking } from './parking.js';
import { BatchRanges } from './batch-ranges.js';
import { RelayInbox } from './relay-inbox.js';
import { RouteTable, type ViaRoute } from './route-table.js';
import { NodeStats } from './stats.js';
import type { DataTunnel } from './tunnel.js';
import { SendFailures } from './send-failures.js';
import { writeThreadCounters } from './thread-counters.js';
import { Turns } from './turns.js';

/** What a data plane is built from. */
export interface DataPlaneOptions<T extends DataTunnel> {
  /** The TUN queue it reads and writes (closed with the data plane). */
  queue: Queue;
  /** Its underlay socket (closed with the data plane). */
  udp: UdpSocket;
  /** Its tunnels: main's authoritative hostmap, or a routine's replicas. */
  hostmap: Hostmap<T>;
  firewall: FirewallOptions;
  /** The node's own overlay addresses (address checks). */
  local: AddressSet;
  /** The node's overlay address and prefix length: destinations outside the network need an unsafe route. */
  vpnIp: number;
  prefix: number;
  /** Unsafe routes (config tun.unsafe_routes): networks outside the overlay reached through an overlay host. */
  viaRoutes?: readonly ViaRoute[];
  /** Packets from the TUN dropped before routing (config tun.drop_multicast, tun.drop_local_broadcast). */
  drop?: { multicast: boolean; localBroadcast: boolean };
  /** Coalescer lanes (device capabilities and GRO probe result). */
  coalesce: CoalescerOptions;
  sendRecvError: SendRecvErrorMode;
  /** This thread's ends of the conntrack mesh of a multi-queue node (flow-share.ts); null with one queue. */
  flowPorts: readonly MessagePort[] | null;
  /** Hold datagrams for unknown indexes until their tunnel arrives (parking.ts): a routine's data plane. */
  park: boolean;
  /** Relay entries (docs/PROTOCOL.md "Relays"): main's data plane of a node with relays on; null otherwise. */
  relays?: RelayTable<T> | null;
  /** Kept current (thread-counters.ts, about 1 Hz) for another thread to read: THREAD_COUNTER_SLOTS numbers. */
  statsOut?: Float64Array;
  /** Yield the CPU after a lone packet's write (config tio.hand_off; hand-off.ts). Default false. */
  handOff?: boolean;
}

/** One queue's data path. */
export class DataPlane<T extends DataTunnel> {
  /** Counters of this data plane. */
  readonly stats = new NodeStats();
  /** The underlay socket. */
  readonly udp: UdpSocket;
  /** The tunnel table. */
  readonly hostmap: Hostmap<T>;
  private readonly queue: Queue;
  private readonly firewall: Firewall;
  private readonly flows: FlowShare | null;
  private readonly coalescer: Coalescer;
  private readonly outbound: OutboundPath;
  private readonly inbound: InboundPath<T>;
  private readonly parking: Parking | null;
  // The paths are not re-entrant: read-loop batches and batches from elsewhere take turns.
  private readonly outboundTurns = new Turns();
  private readonly inboundTurns = new Turns();
  private readonly controlAead = new AeadBatch(1);
  private readonly sendFailures: SendFailures;
  private readonly segmenter = new Segmenter();
  // Wire-sized packets of one packet that met no tunnel (reused).
  private readonly held: Uint8Array[] = [];
  private readonly network: number;
  private readonly mask: number;
  private readonly vpnIp: number;
  // The network's broadcast address, or -1 when tun.drop_local_broadcast is off (no address equals it).
  private readonly dropBroadcast: number;
  private readonly dropMulticast: boolean;
  // null without unsafe routes: then a destination outside the network costs no lookup.
  private readonly routes: RouteTable | null;
  private sendRecvErrorMode: SendRecvErrorMode;
  private readonly statsOut: Float64Array | null;
  private readonly relays: RelayTable<T> | null;
  // Inner packets of this receive batch that came through relays (null without relays).
  private readonly inbox: RelayInbox | null;
  // Relayed packets we pass on, gathered over one receive batch (the inner packet of each, where it
  // lies in the receive buffer, and the entry it goes out on) and sent in place at its end.
  private readonly forwards = new BatchRanges<RelayEntry<T>>();
  // Allocated at the first forward: most nodes never relay.
  private fwdSends: SendBatch | null = null;
  // One inner packet wrapped on its own (control messages through a relay).
  private readonly oneOff = Int32Array.of(HEADER_LEN);
  private readonly oneLen = new Int32Array(1);
  private loops: Promise<void>[] = [];
  private closing: Promise<void> | null = null;

  constructor(o: DataPlaneOptions<T>, private readonly control: ControlPlane<T>) {
    this.sendFailures = new SendFailures((level, msg, fields) => control.log(level, msg, fields));
    this.queue = o.queue;
    this.udp = o.udp;
    this.hostmap = o.hostmap;
    this.vpnIp = o.vpnIp;
    this.mask = o.prefix === 0 ? 0 : (0xffffffff << (32 - o.prefix)) >>> 0;
    this.network = (o.vpnIp & this.mask) >>> 0;
    this.dropBroadcast = o.drop?.localBroadcast ? (this.network | ~this.mask) >>> 0 : -1;
    this.dropMulticast = o.drop?.multicast ?? false;
    this.routes = o.viaRoutes !== undefined && o.viaRoutes.length > 0 ? new RouteTable(o.viaRoutes) : null;
    this.sendRecvErrorMode = o.sendRecvError;
    this.statsOut = o.statsOut ?? null;
    this.relays = o.relays ?? null;
    this.inbox = this.relays === null ? null : new RelayInbox();
    const ports = o.flowPorts;
    this.firewall = new Firewall(o.firewall, ports === null ? {} : { admitted: (f, incoming, version) => this.flows?.admitted(f, incoming, version) });
    const flows = this.flows = ports === null ? null : new FlowShare(ports, this.firewall, clock);
    // Both paths hand the CPU off after a lone batch, or neither does (tio.hand_off); they share
    // one HandOff so that a turn yields once. After a lone send the socket is read at once, hand-off
    // or not: a peer on this host may have answered inside the send (docs/LATENCY.md).
    const handOff = o.handOff === true ? new HandOff() : undefined;
    const readSocket = (): void => this.udp.readNow();
    // A reply read with a stream's superpackets is written before them (docs/LATENCY.md "Light packets first").
    this.coalescer = new Coalescer(o.queue, { ...o.coalesce, lightFirst: true });
    this.outbound = new OutboundPath({
      stats: this.stats, firewall: this.firewall, local: o.local, udp: o.udp, tun: o.queue,
      route: (dst, p) => this.route(dst, p),
      beforeSend: flows ? () => flows.flush() : undefined,
      sendFailed: (b) => this.sendFailures.note(b.lastError?.peer ?? '?', b.lastError ?? 'refused', b.failed),
      refreshFlows: flows ? () => flows.refresh() : undefined,
      sealAhead: flows ? SHARED_SEAL_AHEAD : undefined,
      relayHop: this.relays === null ? undefined : (to) => this.relayHop(to),
      afterLoneSend: () => afterLoneSend(readSocket, handOff),
    });
    const parking = this.parking = o.park ? new Parking({
      stats: this.stats, now: clock,
      refuse: (ri, from) => this.sendRecvError(ri, from),
      deliver: (batch) => this.deliverParked(batch),
      changed: () => this.publish(),
    }) : null;
    this.inbound = new InboundPath<T>({
      stats: this.stats, hostmap: o.hostmap, firewall: this.firewall, local: o.local, coalescer: this.coalescer,
      pinRemote: flows !== null,
      beforeDeliver: flows ? () => flows.flush() : undefined,
      refreshFlows: flows ? () => flows.refresh() : undefined,
      handshake: (counter, ri, buf, off, len, from) => control.handshake(counter, ri, buf, off, len, from),
      unknownIndex: (ri, from) => this.sendRecvError(ri, from),
      unknownTunnel: parking ? (ri, from, buf, off, len) => parking.park(ri, from, buf, off, len) : undefined,
      recvError: (ri, from) => control.recvError(ri, from),
      proven: (t) => control.proven(t),
      roam: control.roam ? (t, to) => control.roam!(t, to) : undefined,
      control: (t, type, subtype, buf, off, len) => this.onControl(t, type, subtype, buf, off, len),
      relays: o.relays ?? null,
      relayed: (e, buf, off, len) => this.relayed(e, buf, off, len),
      send: (to, bytes) => this.send(to, bytes),
      handOff,
    });
  }

  /** Starts the read loops of the queue and the socket. */
  run(): void {
    const q = this.queue;
    // Callback mode: a batch goes from the readiness callback into its path in the same call.
    this.loops.push(this.loop('inside', (end) => q.readEach((batch) => this.outboundTurns.runNow(() => this.sendBatch(batch)), end)));
    this.loops.push(this.loop('outside', (end) => this.udp.recvEach((b) => {
      const turn = this.inboundTurns.runNow(() => this.receiveBatch(b));
      // The kernel answers some packets inside our TUN write (an echo reply,
      // a TCP ACK): read them now rather than after another event-loop trip
      // (docs/LATENCY.md "Lone packets").
      q.readNow();
      return turn;
    }, end)));
  }

  /** Sends inner packets read elsewhere (held for a handshake, handed over by a routine) through this data plane. */
  sendInner(batch: readonly Packet[]): void {
    if (this.closing) return;
    this.outboundTurns.run(() => this.sendBatch(batch)).catch((e: unknown) => {
      if (!(e instanceof ClosedError)) this.control.log('error', 'sending held packets failed', { error: String(e) });
    });
  }

  /** The tunnel with this local index just arrived here: datagrams parked for it go through now. */
  tunnelArrived(localIndex: number): void {
    this.parking?.tunnelArrived(localIndex);
  }

  /** Sends datagram `bytes` to `to` (failures are summarised at warn level on the tick: send-failures.ts). */
  send(to: Endpoint, bytes: Uint8Array): void {
    if (to.ip === RELAY_PATH_IP) {
      this.sendViaRelay(to, bytes, 0, bytes.length);
      return;
    }
    this.udp.sendTo(to, bytes).catch((e: unknown) => {
      if (!(e instanceof ClosedError)) this.sendFailures.note(to.key, e);
    });
  }

  /** Encrypts a control message (test and close: no payload; lighthouse: a NebulaMeta) on t's counter and sends it. */
  sendControl(t: T, type: number, subtype: number, payload?: Uint8Array): void {
    if (t.isClosed || this.udp.isClosed) return;
    this.send(t.remote, sealControl(t, this.controlAead, type, subtype, payload));
  }

  /** Encrypts a control message on t's counter and sends it straight to `to`, not t's path (probing for a direct path: promote.ts). */
  sendControlTo(t: T, to: Endpoint, type: number, subtype: number): void {
    if (t.isClosed || this.udp.isClosed || to.ip === RELAY_PATH_IP) return;
    this.send(to, sealControl(t, this.controlAead, type, subtype));
  }

  /**
   * Applies a reloaded config's firewall and listen.send_recv_error (docs/PROTOCOL.md "Reloading the
   * config"): new rules from the next packet on; tracked flows are re-checked at their next packet.
   * Throws FirewallRuleError for a rule the matcher cannot take, changing nothing. Returns the new rules version.
   */
  reload(firewall: FirewallOptions, sendRecvError: SendRecvErrorMode): number {
    const version = this.firewall.reload(firewall);
    this.sendRecvErrorMode = sendRecvError;
    return version;
  }

  /** This data plane's firewall rules version (every plane gets the same reloads). */
  get firewallRulesVersion(): number {
    return this.firewall.rulesVersion;
  }

  /** A copy of the coalescer's counters (GRO before TUN writes). */
  groStats(): CoalescerStats {
    return { ...this.coalescer.stats() };
  }

  /** Periodic upkeep (about 1 Hz): idle flows leave the firewall; counters are published. */
  tick(nowMs: number): void {
    this.firewall.sweep(nowMs);
    this.sendFailures.tick(nowMs);
    this.publish();
  }

  /**
   * Closes the socket and the queue (the read loops end) and, once nothing runs on
   * them any more, frees the paths' buffers now rather than at the next major GC.
   * Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.parking?.clear();
    this.flows?.close();
    this.udp.close();
    this.queue.close();
    await Promise.allSettled([...this.loops, this.outboundTurns.idle(), this.inboundTurns.idle()]);
    this.outbound.close();
    this.coalescer.close();
    this.publish();
  }

  private async sendBatch(batch: readonly Packet[]): Promise<void> {
    await this.outbound.handle(batch, clock());
    this.publish();
  }

  private async receiveBatch(b: DatagramBatch): Promise<void> {
    await this.inbound.handle(b, clock());
    await this.flushForwarded();
    const inbox = this.inbox;
    // What came through relays goes through the same path as one more batch (docs/PROTOCOL.md "Relays").
    if (inbox !== null && inbox.count > 0) {
      try {
        await this.inbound.handle(inbox, clock());
      } finally {
        inbox.clear();
      }
    }
    this.publish();
  }

  private deliverParked(batch: DatagramBatch): void {
    this.inboundTurns.run(() => this.receiveBatch(batch)).catch((e: unknown) => {
      if (e instanceof ClosedError || this.closing) return;
      this.control.failed('processing held datagrams failed', (e as Error).stack ?? String(e));
    });
  }

  private publish(): void {
    const r = this.firewall.reloadStats;
    this.stats.firewallFlowsKept = r.flowsKept;
    this.stats.firewallFlowsRevoked = r.flowsRevoked;
    if (this.statsOut !== null) {
      writeThreadCounters(this.statsOut, this.stats, { tun: this.queue.stats(), udp: this.udp.stats(), gro: this.coalescer.stats() });
    }
  }

  // A read loop ends when close() closes its queue or socket; ending any other way (the TUN
  // deleted under us, an exception) is a failure the node stops on, as nebula exits.
  private async loop(name: string, start: (end: (err: Error) => void) => void): Promise<void> {
    const e = await new Promise<Error>((resolve) => {
      try {
        start(resolve);
      } catch (err) {
        // Reading could not start (a second reader: BusyError): the loop failed.
        resolve(err instanceof Error ? err : new Error(String(err)));
      }
    });
    if (!(e instanceof ClosedError)) {
      if (!this.closing) this.control.failed(`${name} loop failed`, e.stack ?? String(e));
      return;
    }
    if (this.closing === null) {
      const what = name === 'inside' ? `TUN device ${this.queue.name} closed (deleted?)` : 'UDP socket closed';
      this.control.failed(`${name} loop ended`, what);
    }
  }

  // The overlay host for an inner destination: the destination itself inside the network, else
  // the `via` of the most specific unsafe route (docs/PROTOCOL.md "Unsafe routes"). The plain path
  // (a destination inside the network) takes no branch more than it did without routes.
  private route(dst: number, p: Packet): T | null | false {
    let peer = dst;
    if (dst === this.dropBroadcast) {
      this.stats.drops['inside-local-broadcast']++;
      return null;
    }
    if (((dst & this.mask) >>> 0) !== this.network || dst === this.vpnIp) {
      // 224.0.0.0/4 (RFC 5771): dropped quietly when asked, as nebula's inside.go does, not refused.
      if (this.dropMulticast && dst >>> 28 === 14) {
        this.stats.drops['inside-multicast']++;
        return null;
      }
      const routes = this.routes;
      peer = routes === null || dst === this.vpnIp ? 0 : routes.lookup(dst);
      if (peer === 0) {
        this.stats.drops['inside-no-route']++;
        return false;
      }
    }
    const t = this.hostmap.get(peer);
    if (t !== undefined) return t;
    // Hand the packet (as wire-sized segments) to the control plane, to hold until a handshake completes (docs/PROTOCOL.md "Retries, duplicates and races").
    const held = this.held;
    held.length = 0;
    if (p.gso === null) held.push(p.data);
    else this.segmenter.segment(p, (buf, off, len) => held.push(buf.subarray(off, off + len)));
    if (!this.control.needTunnel(peer, held)) this.stats.drops['inside-no-remote']++;
    held.length = 0;
    return null;
  }

  private onControl(t: T, type: number, subtype: number, buf: Buffer, off: number, len: number): void {
    if (type === TYPE_LIGHTHOUSE) {
      this.control.lighthouse(t, buf, off, len);
      return;
    }
    if (type === TYPE_TEST) {
      if (subtype === SUBTYPE_TEST_REQUEST) {
        this.stats.testReplies++;
        this.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REPLY);
      }
      return;
    }
    if (type === TYPE_CLOSE_TUNNEL) this.control.closeReceived(t);
    else if (type === TYPE_CONTROL) {
      if (this.control.relayControl !== undefined) this.control.relayControl(t, buf, off, len);
      else this.stats.drops['outside-unhandled-type']++;
    }
  }

  // An authenticated relayed packet on e.via. Forwarding: the same bytes go on to the far end under a
  // new outer header (its index, the far tunnel's counter) and a new tag on that tunnel's key, as 1.6.1's
  // SendVia does (docs/PROTOCOL.md "Relays"), rewritten in place in the receive buffer by
  // flushForwarded at the end of the batch, in arrival order (batch-ranges.ts).
  private relayed(e: RelayEntry<T>, buf: Buffer, off: number, len: number): void {
    if (e.type !== RELAY_FORWARDING) {
      // We are the far end: the inner packet is ours, from the relay's stand-in endpoint.
      if (e.path === null || this.inbox === null || !this.inbox.add(e.path, buf, off + HEADER_LEN, len - AEAD_OVERHEAD)) {
        this.stats.drops['outside-relay-not-ready']++;
      }
      return;
    }
    const p = e.partner;
    const to = p?.via;
    if (p === null || to === undefined || p.state !== RELAY_ESTABLISHED || to.isClosed) {
      this.stats.drops['outside-relay-not-ready']++;
      return;
    }
    if (!this.forwards.add(buf, off + HEADER_LEN, len - AEAD_OVERHEAD, 0, p)) {
      this.stats.drops['outside-relay-not-ready']++;
      return;
    }
    this.stats.relayedOut++;
  }

  // Tags what relayed() gathered in this receive batch in place (one native call per run of one far
  // tunnel, counters reserved per run) and sends it: UDP GSO for runs of equal size, sendmmsg across
  // them. The receive buffer is not reused before this settles (the receive is handled to the end).
  private async flushForwarded(): Promise<void> {
    const f = this.forwards;
    const n = f.count;
    if (n === 0) return;
    const buf = f.buf;
    const sends = this.fwdSends ??= new SendBatch();
    const { offsets, lengths, items } = f;
    const now = clock();
    sends.clear();
    for (let i = 0; i < n;) {
      const e = items[i]!;
      const size = lengths[i]! + AEAD_OVERHEAD;
      let end = offsets[i]! - HEADER_LEN + size;
      let j = i + 1;
      // A run: one far tunnel, datagrams back to back in the buffer (one GRO message), equal sizes
      // (a short last one allowed).
      while (j < n && items[j] === e && offsets[j]! - HEADER_LEN === end) {
        const s = lengths[j]! + AEAD_OVERHEAD;
        if (s > size) break;
        end += s;
        j++;
        if (s < size) break;
      }
      const to = e.via;
      if (to.isClosed || e.state !== RELAY_ESTABLISHED || to.remote.ip === RELAY_PATH_IP) {
        this.stats.drops['outside-relay-not-ready'] += j - i;
      } else {
        to.lastOutbound = now;
        to.seal.tagMessages(buf, offsets, lengths, i, j, e.remoteIndex, to.reserveCounters(j - i));
        const start = offsets[i]! - HEADER_LEN;
        if (j - i > 1) sends.addSegments(to.remote, start, end - start, size);
        else sends.add(to.remote, start, size);
      }
      i = j;
    }
    try {
      if (sends.count > 0) await this.udp.sendBatch(buf, sends);
    } catch (e) {
      if (!(e instanceof ClosedError)) this.control.log('debug', 'relay send failed', { error: String(e) });
    } finally {
      sends.clear();
      f.clear();
    }
  }

  // The established relay behind stand-in endpoint `to`, or null (outbound.ts wraps for it).
  private relayHop(to: Endpoint): RelayEntry<T> | null {
    const e = this.relays?.byEndpoint(to);
    return e === undefined || e.state !== RELAY_ESTABLISHED || e.via.isClosed ? null : e;
  }

  // A datagram for a tunnel reached through a relay (its remote is the relay's stand-in endpoint),
  // sent on its own: control messages. Wrapped as outbound.ts wraps data (docs/PROTOCOL.md "Relays").
  private sendViaRelay(to: Endpoint, buf: Uint8Array, off: number, len: number): boolean {
    const e = this.relayHop(to);
    if (e === null || e.via.remote.ip === RELAY_PATH_IP) {
      this.stats.drops['outside-relay-not-ready']++;
      return false;
    }
    this.sendWrapped(e, buf.subarray(off, off + len));
    return true;
  }

  // Copies `inner` (a sealed datagram) into a relayed packet for e.via, tags it and sends it.
  private sendWrapped(e: RelayEntry<T>, inner: Uint8Array): void {
    const via = e.via;
    const out = Buffer.allocUnsafe(inner.length + AEAD_OVERHEAD);
    out.set(inner, HEADER_LEN);
    this.oneLen[0] = inner.length;
    via.lastOutbound = clock();
    via.seal.tagMessages(out, this.oneOff, this.oneLen, 0, 1, e.remoteIndex, via.nextCounter());
    this.send(via.remote, out);
  }

  private sendRecvError(remoteIndex: number, from: Endpoint): void {
    // Not through relays: 1.6.1 sends recv_error only to a real address (outside.go handleEncrypted).
    if (from.ip === RELAY_PATH_IP) return;
    if (!shouldSendRecvError(this.sendRecvErrorMode, from.ip)) return;
    this.stats.recvErrorsSent++;
    this.send(from, recvErrorPacket(remoteIndex));
  }
}
