/**
 * OverlayNode: a Nebula 1.6.1-compatible node on one TUN queue and one UDP
 * socket. Data path per DESIGN.md (outbound.ts, inbound.ts); handshakes,
 * control messages and timers here, off the hot path.
 */
import { performance } from 'node:perf_hooks';
import { AeadBatch } from '../aead/index.js';
import { Coalescer } from '../../gro/index.js';
import { Segmenter } from '../../gso/index.js';
import { ClosedError } from '../../errors.js';
import { Packet, TunDevice, inNetns } from '../../tun/index.js';
import { u32ToIp } from '../cert/index.js';
import { Firewall } from '../firewall/index.js';
import { UdpSocket, type Endpoint } from '../udp/index.js';
import {
  AEAD_OVERHEAD, SUBTYPE_NONE, SUBTYPE_TEST_REPLY, SUBTYPE_TEST_REQUEST, TYPE_CLOSE_TUNNEL, TYPE_TEST,
  RECV_ERROR_TEARDOWN_COUNT, encodeHeader, recvErrorPacket, shouldSendRecvError,
} from '../wire/index.js';
import { HandshakeManager } from './handshakes.js';
import { Hostmap } from './hostmap.js';
import { InboundPath } from './inbound.js';
import type { NodeOptions } from './options.js';
import { OutboundPath } from './outbound.js';
import { NodeStats } from './stats.js';
import type { Tunnel } from './tunnel.js';

/** A running overlay node. */
export class OverlayNode {
  /** The TUN device carrying overlay traffic. */
  readonly device: TunDevice;
  /** The underlay socket. */
  readonly udp: UdpSocket;
  /** Established tunnels. */
  readonly hostmap = new Hostmap();
  /** Handshake state (initiator and responder). */
  readonly handshakes: HandshakeManager;
  /** Data-path counters. */
  readonly stats = new NodeStats();
  private readonly firewall: Firewall;
  private readonly coalescer: Coalescer;
  private readonly outbound: OutboundPath;
  private readonly inbound: InboundPath;
  private readonly controlAead = new AeadBatch(1);
  private readonly queueSegmenter = new Segmenter();
  private readonly network: number;
  private readonly mask: number;
  private timer: NodeJS.Timeout | null = null;
  private loops: Promise<void>[] = [];
  private stopping: Promise<void> | null = null;

  private constructor(private readonly o: NodeOptions, device: TunDevice, udp: UdpSocket) {
    this.device = device;
    this.udp = udp;
    const { pki } = o;
    this.mask = pki.prefix === 0 ? 0 : (0xffffffff << (32 - pki.prefix)) >>> 0;
    this.network = (pki.vpnIp & this.mask) >>> 0;
    this.firewall = new Firewall(o.firewall);
    const caps = device.capabilities;
    const gro = device.groWrites;
    this.coalescer = new Coalescer(device.queues[0]!, { tcp: gro && caps.tso, udp: gro && caps.uso });
    this.handshakes = new HandshakeManager({
      pki, cipher: o.cipher, hostmap: this.hostmap, log: o.log,
      remotesFor: (ip) => o.staticHostMap.get(ip) ?? [],
      send: (to, bytes) => this.sendRaw(to, bytes),
      tunnelUp: (t, queued) => this.tunnelUp(t, queued),
      now: () => performance.now(),
    }, o.handshakes);
    this.outbound = new OutboundPath({
      stats: this.stats, firewall: this.firewall, local: pki.local, udp,
      route: (dst, p) => this.route(dst, p),
    });
    this.inbound = new InboundPath({
      stats: this.stats, hostmap: this.hostmap, firewall: this.firewall, local: pki.local, coalescer: this.coalescer,
      handshake: (counter, ri, buf, off, len, from) => this.handshakes.onPacket(counter, ri, buf, off, len, from),
      unknownIndex: (ri, from) => this.sendRecvError(ri, from),
      recvError: (ri, from) => this.onRecvError(ri, from),
      control: (t, type, sub) => this.onControl(t, type, sub),
    });
  }

  /** Opens the device and socket, starts the data loops and timers. */
  static start(o: NodeOptions): OverlayNode {
    const { pki } = o;
    const device = TunDevice.open({
      name: o.tun.name ?? 'tio%d', mtu: o.tun.mtu, offload: o.tun.offload, gro: o.tun.gro, netns: o.netns,
      addresses: [`${u32ToIp(pki.vpnIp)}/${pki.prefix}`],
    });
    let udp: UdpSocket;
    try {
      udp = inNetns(o.netns, () => UdpSocket.open({ host: o.listen.host, port: o.listen.port }));
    } catch (e) {
      device.close();
      throw e;
    }
    const node = new OverlayNode(o, device, udp);
    node.run();
    o.log.info('Nebula interface is active', {
      build: 'tio', interface: device.name, network: `${u32ToIp(pki.vpnIp)}/${pki.prefix}`, udpAddr: `${o.listen.host}:${udp.port}`,
      offload: device.capabilities.tso ? (device.capabilities.uso ? 'tso+uso' : 'tso') : 'off', gro: device.groWrites, cipher: o.cipher,
    });
    return node;
  }

  /** Starts a handshake to a peer now (normally traffic triggers it). */
  connect(vpnIp: number): boolean {
    return this.hostmap.get(vpnIp) !== undefined || this.handshakes.trigger(vpnIp);
  }

  /**
   * Stops: sends close_tunnel to every peer (§5.2), stops timers and
   * handshakes, closes the socket and the device. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const t of [...this.hostmap.all()]) {
      this.o.log.debug('Sending close tunnel message', { vpnIp: u32ToIp(t.vpnIp) });
      this.sendControl(t, TYPE_CLOSE_TUNNEL, SUBTYPE_NONE);
      this.hostmap.remove(t);
    }
    this.handshakes.close();
    // Let the close_tunnel datagrams leave before the socket goes.
    await new Promise((r) => setImmediate(r));
    this.udp.close();
    this.device.close();
    await Promise.allSettled(this.loops);
    this.o.log.info('Goodbye');
  }

  private run(): void {
    const q = this.device.queues[0]!;
    this.loops.push(this.loop('inside', async () => {
      for await (const batch of q) await this.outbound.handle(batch, performance.now());
    }));
    this.loops.push(this.loop('outside', async () => {
      for await (const b of this.udp) await this.inbound.handle(b, performance.now());
    }));
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.min(this.o.timers.aliveMs, 1000)));
    this.timer.unref();
  }

  // A data loop ends when its queue or socket closes; anything else is a bug worth stopping for.
  private async loop(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (e) {
      if (e instanceof ClosedError) return;
      this.o.log.error(`${name} loop failed`, { error: (e as Error).stack ?? String(e) });
      void this.stop();
    }
  }

  private route(dst: number, p: Packet): Tunnel | null {
    if (((dst & this.mask) >>> 0) !== this.network || dst === this.o.pki.vpnIp) {
      this.stats.drops['inside-no-route']++;
      return null;
    }
    const t = this.hostmap.get(dst);
    if (t !== undefined) return t;
    // Hold the packet (as wire-sized segments) until the handshake completes (§3.6).
    let ok = true;
    if (p.gso === null) ok = this.handshakes.trigger(dst, p.data);
    else {
      this.queueSegmenter.segment(p, (buf, off, len) => {
        ok = this.handshakes.trigger(dst, buf.subarray(off, off + len)) && ok;
      });
    }
    if (!ok) this.stats.drops['inside-no-remote']++;
    return null;
  }

  private tunnelUp(t: Tunnel, queued: Buffer[]): void {
    if (queued.length === 0) return;
    const batch = queued.map((b) => new Packet(b, 0, b.length));
    void this.outbound.handle(batch, performance.now()).catch((e: unknown) => {
      if (!(e instanceof ClosedError)) this.o.log.error('sending queued packets failed', { vpnIp: u32ToIp(t.vpnIp), error: String(e) });
    });
  }

  private sendRaw(to: Endpoint, bytes: Uint8Array): void {
    this.udp.sendTo(to, bytes).catch((e: unknown) => {
      if (!(e instanceof ClosedError)) this.o.log.debug('send failed', { udpAddr: to.toString(), error: String(e) });
    });
  }

  /** Encrypts an empty-payload control message (test, close) on t's counter. */
  private sendControl(t: Tunnel, type: number, subtype: number): void {
    if (t.isClosed || this.udp.isClosed) return;
    const buf = Buffer.alloc(AEAD_OVERHEAD);
    encodeHeader(buf, 0, type, subtype, t.remoteIndex, t.nextCounter());
    const a = this.controlAead.reset(buf);
    a.add(0, 0);
    t.seal.seal(a);
    t.lastOutbound = performance.now();
    this.sendRaw(t.remote, buf);
  }

  private sendRecvError(remoteIndex: number, from: Endpoint): void {
    if (!shouldSendRecvError(this.o.sendRecvError, from.ip)) return;
    this.stats.recvErrorsSent++;
    this.sendRaw(from, recvErrorPacket(remoteIndex));
  }

  // §5.3: counted per tunnel (looked up by its remote index) and honoured only from
  // the tunnel's current address; DESIGN.md: re-handshake at once, replace on completion.
  private onRecvError(remoteIndex: number, from: Endpoint): void {
    this.handshakes.abandonIndex(remoteIndex);
    const t = this.hostmap.byRemoteIndex(remoteIndex);
    if (t === undefined || !t.remote.equals(from)) return;
    t.recvErrors++;
    this.o.log.debug('Recv error received', { vpnIp: u32ToIp(t.vpnIp), count: t.recvErrors });
    this.handshakes.trigger(t.vpnIp);
    if (t.recvErrors >= RECV_ERROR_TEARDOWN_COUNT) {
      this.o.log.info('Tunnel torn down after recv_error', { vpnIp: u32ToIp(t.vpnIp) });
      this.hostmap.remove(t);
    }
  }

  private onControl(t: Tunnel, type: number, subtype: number): void {
    if (type === TYPE_TEST) {
      if (subtype === SUBTYPE_TEST_REQUEST) {
        this.stats.testReplies++;
        this.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REPLY);
      }
      return;
    }
    if (type === TYPE_CLOSE_TUNNEL) {
      this.o.log.info('Close tunnel received, tearing down.', { vpnIp: u32ToIp(t.vpnIp) });
      this.hostmap.remove(t);
    }
  }

  // Liveness (§5.1): outbound traffic without inbound -> test request; still nothing
  // after pending_deletion_interval -> the tunnel goes (a new one comes with new traffic).
  private tick(): void {
    const now = performance.now();
    const { aliveMs, pendingDeletionMs } = this.o.timers;
    for (const t of [...this.hostmap.all()]) {
      if (t.testPendingSince > 0) {
        if (now - t.testPendingSince > pendingDeletionMs && t.lastInbound < t.testPendingSince) {
          this.o.log.info('Tunnel status', { vpnIp: u32ToIp(t.vpnIp), tunnelCheck: 'dead' });
          this.hostmap.remove(t);
        }
      } else if (t.lastOutbound > t.lastInbound && now - t.lastInbound > aliveMs) {
        t.testPendingSince = now;
        this.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REQUEST);
      }
    }
    this.firewall.sweep(now);
  }
}
