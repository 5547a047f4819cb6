/**
 * OverlayNode: a Nebula 1.6.1-compatible node. Data path per docs/ARCHITECTURE.md "The data path"
 * (outbound.ts, inbound.ts); handshakes, control messages and timers here, off
 * the hot path.
 *
 * With `routines` N > 1 the TUN device has N queues and N SO_REUSEPORT UDP
 * sockets share the listen address; each pair has one data plane
 * (data-plane.ts). Main keeps the control plane (handshakes, the
 * authoritative hostmap, liveness and firewall timers, close_tunnel on stop)
 * and runs data plane 0; routines 1..N-1 run theirs in worker threads
 * (routines.ts, routine-worker.ts) on replicated tunnels, with
 * send counters and liveness stamps shared (TunnelSlots) and newly admitted
 * firewall flows broadcast between threads (flow-share.ts). A roaming peer's
 * traffic moves to whichever thread its new address lands on (routines.ts).
 */
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { aeadImplementation, defaultAeadPath } from '../aead/index.js';
import { OptionError } from '../../errors.js';
import { MAX_QUEUES, Packet, TunDevice, inNetns } from '../../tun/index.js';
import { CertError, u32ToIp, verifyCertificate } from '../cert/index.js';
import { DEFAULT_TIO_HAND_OFF } from '../config/index.js';
import { LighthouseClient, LighthouseServer, Punchy, reportedAddresses, reportedAddresses6 } from '../lighthouse/index.js';
import { ControlMessageError, RELAY_PATH_IP, RelayManager, decodeControl } from '../relay/index.js';
import { UdpSocket, type Endpoint } from '../../udp/index.js';
import {
  SUBTYPE_NONE, SUBTYPE_TEST_REQUEST, TYPE_CLOSE_TUNNEL, TYPE_CONTROL, TYPE_LIGHTHOUSE, TYPE_TEST, RECV_ERROR_TEARDOWN_COUNT,
} from '../wire/index.js';
import { clock } from './clock.js';
import type { ControlPlane } from './control-plane.js';
import { DataPlane } from './data-plane.js';
import { FlowShare } from './flow-share.js';
import { HandshakeManager } from './handshakes.js';
import { Hostmap } from './hostmap.js';
import { udpOptions, type NodeOptions } from './options.js';
import { Roaming } from './roaming.js';
import { Routines } from './routines.js';
import { certRefusal, firewallChanged, mergeStaticHostMap } from './reload-plan.js';
import { checkRoutes, deviceMtu, installRoutes, viaRoutes } from './routes.js';
import { DirectProber } from './promote.js';
import type { NodeStats } from './stats.js';
import { nodeCounters, tunnelStatus, type NodeStatus } from './status.js';
import type { IoCounters } from './thread-counters.js';
import { exposeInternals } from './internals.js';
import { HeapTrimmer } from './heap-trim.js';
import type { Tunnel } from './tunnel.js';

const RESOLVED: Promise<void> = Promise.resolve();
/**
 * A recv_error on a tunnel that delivered authenticated traffic more recently than
 * this is a late duplicate or a spoof, not a restarted peer: it does not start a
 * handshake (a restarted peer sends nothing we can authenticate, so its tunnel goes quiet).
 */
const RECV_ERROR_QUIET_MS = 500;
/**
 * A tunnel made from a msg1 that carried our traffic for this long without one packet authenticating
 * on it is dropped: its msg1 may have been a replay from another address, which would otherwise
 * blackhole the peer until liveness gave up (15-25 s). A real initiator sends its held packets right
 * after msg2, so it proves itself within a round trip.
 */
const UNPROVEN_SILENT_MS = 2000;

/** A running overlay node. */
export class OverlayNode {
  // The TUN device (queues 1..N-1 detached to the routines), the underlay socket of queue 0, the
  // authoritative tunnel map (routines hold replicas) and handshake state: internals that status()
  // summarises; this repo's tests reach them through testing.ts.
  private readonly device: TunDevice;
  private readonly udp: UdpSocket;
  private readonly hostmap: Hostmap<Tunnel>;
  private readonly handshakes: HandshakeManager;
  // The lighthouse client, or null without lighthouse.hosts (and on a lighthouse).
  private readonly lighthouse: LighthouseClient | null;
  // The lighthouse server, with lighthouse.am_lighthouse; else null.
  private readonly lighthouseServer: LighthouseServer | null;
  // Hole punching (docs/PROTOCOL.md "Lighthouse, relay and punch traffic").
  private readonly punchy: Punchy;
  // Relay state and control messages (docs/PROTOCOL.md "Relays"), or null without relay.am_relay.
  private readonly relays: RelayManager<Tunnel> | null;
  // Whether handshakes also go through the relays lighthouses name for a peer (relay.use_relays).
  private readonly useRelays: boolean;
  // Probes relayed tunnels for a direct path (promote.ts), with relays and a lighthouse client; else null.
  private readonly prober: DirectProber<Tunnel> | null;
  /** Number of TUN queue / UDP socket pairs. */
  readonly routines: number;
  /** Resolves once every routine runs (at once for a single-queue node); rejects if the node failed to start. */
  readonly ready: Promise<void>;
  // Data plane 0 (TUN queue 0, this socket) on the authoritative hostmap.
  private readonly plane: DataPlane<Tunnel>;
  private readonly workers: Routines | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastCertCheck = 0;
  private readonly heapTrimmer = new HeapTrimmer();
  private stopping: Promise<void> | null = null;
  private markStopped!: () => void;
  /** Resolves once the node has stopped, by stop() or by itself (then `failure` says why). */
  readonly stopped = new Promise<void>((r) => (this.markStopped = r));
  private failed: string | null = null;

  private constructor(private o: NodeOptions, device: TunDevice, udp: UdpSocket, routines: number) {
    this.device = device;
    this.udp = udp;
    this.routines = routines;
    const multi = routines > 1;
    const { pki } = o;
    const caps = device.capabilities;
    const gro = device.groWrites;
    // Decrypted packets are not re-verified before merging: the AEAD tag already proves every
    // byte is what the peer sent (a peer could as well send a valid checksum), and the merged
    // packet goes to the kernel as CHECKSUM_PARTIAL either way. Measured ~5-7% of the receiver.
    const lanes = { tcp: gro && caps.tso, udp: gro && caps.uso, verifyChecksums: false };
    this.hostmap = new Hostmap<Tunnel>({
      ...(multi ? {
        added: (t: Tunnel, candidate: boolean) => this.replicate(t, candidate),
        promoted: (t: Tunnel) => this.workers?.tunnelPromoted(t),
      } : {}),
      removed: (t) => this.tunnelRemoved(t),
    });
    const amRelay = o.relay?.amRelay ?? false;
    // Being reached through the relays we name (relay.relays).
    const ourRelays = o.relay?.relays ?? [];
    const mask = pki.prefix === 0 ? 0 : (0xffffffff << (32 - pki.prefix)) >>> 0;
    // use_relays: reach peers through the relays the lighthouses name for them.
    this.useRelays = (o.relay?.useRelays ?? false) && (o.lighthouse?.hosts.length ?? 0) > 0;
    this.relays = !amRelay && ourRelays.length === 0 && !this.useRelays ? null : new RelayManager<Tunnel>({
      vpnIp: pki.vpnIp,
      inNetwork: (ip) => ((ip & mask) >>> 0) === ((pki.vpnIp & mask) >>> 0) && ip !== ((pki.vpnIp & mask) >>> 0) && (ip | mask) >>> 0 !== 0xffffffff,
      tunnel: (ip) => this.hostmap.get(ip),
      reach: (ip) => {
        this.connect(ip);
      },
      send: (t, payload) => this.plane.sendControl(t, TYPE_CONTROL, SUBTYPE_NONE, payload),
      log: (msg, fields) => o.log.debug(msg, fields),
      relayUp: (peer) => {
        this.handshakes.hurry(peer);
      },
      // With routines, every data plane keeps a replica of the table (routines.ts).
      observer: {
        changed: (e) => this.workers?.relayChanged(e),
        removed: (e) => this.workers?.relayRemoved(e),
      },
    }, amRelay, ourRelays.length > 0);
    const lh = o.lighthouse;
    const serving = lh?.amLighthouse === true;
    this.lighthouseServer = !serving ? null : new LighthouseServer({
      send: (to, payload) => this.sendMeta(to, payload),
      remoteOf: (ip) => this.hostmap.get(ip)?.remote ?? null,
      now: clock,
      log: o.log,
    }, { vpnIp: pki.vpnIp, prefix: pki.prefix, remoteAllowList: lh?.remoteAllowList ?? null });
    const py = o.punchy ?? { punch: false, respond: false, delayMs: 1000 };
    this.punchy = new Punchy({
      sendRaw: (to, bytes) => this.plane.send(to, bytes),
      tunnelRemotes: () => Array.from(this.hostmap.all(), (t) => t.remote),
      respond: (ip) => this.respond(ip),
      now: clock,
      log: o.log,
    }, { ...py, vpnIp: pki.vpnIp, prefix: pki.prefix });
    // A lighthouse does not query other lighthouses (nebula lighthouse.go: it sends no updates or queries).
    this.lighthouse = lh === undefined || lh.hosts.length === 0 || serving ? null : new LighthouseClient({
      send: (to, payload) => this.sendLighthouse(to, payload),
      reportAddrs: () => this.reportAddrs(),
      learned: (ip, held) => this.learned(ip, held),
      punch: (ip, addrs, addrs6) => this.punchy.onNotification(ip, addrs, addrs6),
      reportAddrs6: () => this.reportAddrs6(),
      now: clock,
      log: o.log,
    }, { lighthouses: lh.hosts, intervalMs: lh.intervalMs, vpnIp: pki.vpnIp, prefix: pki.prefix, holdPackets: o.handshakes.triggerBuffer, relays: o.relay?.relays ?? [], remoteAllowList: lh.remoteAllowList ?? null, ipv6: isIPv6(o.listen.host) });
    const client = this.lighthouse;
    this.prober = this.relays === null || client === null ? null : new DirectProber<Tunnel>({
      relayed: () => Array.from(this.hostmap.all()).filter((t) => t.remote.ip === RELAY_PATH_IP),
      remotes: (ip) => client.remotes(ip),
      probe: (t, to) => this.plane.sendControlTo(t, to, TYPE_TEST, SUBTYPE_TEST_REQUEST),
      query: (ip) => client.query(ip),
    });
    this.handshakes = new HandshakeManager({
      pki, cipher: o.cipher, hostmap: this.hostmap, log: o.log,
      // Static entries first, as nebula puts them first (lighthouse.go addStaticRemote).
      remotesFor: (ip) => this.remotesFor(ip),
      sending: (ip, remotes) => {
        if (remotes <= 1) this.lighthouse?.query(ip);
        if (this.useRelays) this.relays?.wantRelay(ip, this.lighthouse?.relaysFor(ip) ?? []);
      },
      send: (to, bytes) => this.plane.send(to, bytes),
      remoteAllowed: (ip, from) => this.remoteAllowed(ip, from),
      probe: (t) => this.plane.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REQUEST),
      tunnelUp: (t, queued) => this.tunnelUp(t, queued),
      now: clock,
      keepKeys: multi,
    }, o.handshakes);
    const roaming = new Roaming({ log: o.log, allowed: (ip, to) => this.remoteAllowed(ip, to), now: clock });
    // What data plane 0 asks, answered here; the routines' data planes ask the same through routines.ts.
    const control: ControlPlane<Tunnel> = {
      handshake: (counter, ri, buf, off, len, from) => this.handshakes.onPacket(counter, ri, buf, off, len, from),
      recvError: (ri, from) => this.onRecvError(ri, from),
      proven: (t) => this.handshakes.proven(t),
      roam: (t, to) => {
        if (roaming.roam(t, to) === 'moved') this.workers?.tunnelRoamed(t);
      },
      closeReceived: (t) => this.closeReceived(t),
      lighthouse: (t, buf, off, len) => (this.lighthouseServer ?? this.lighthouse)?.onMessage(t.vpnIp, buf, off, len),
      relayControl: (t, buf, off, len) => this.onRelayControl(t, buf, off, len),
      needTunnel: (vpnIp, packets) => {
        let ok = true;
        // No address anywhere: the lighthouses are asked, and the packets wait for their answer.
        for (const p of packets) ok = (this.handshakes.trigger(vpnIp, p) || (this.lighthouse?.hold(vpnIp, p) ?? false)) && ok;
        return ok;
      },
      failed: (what, error) => this.fail(what, error),
      log: (level, msg, fields) => o.log.log(level, msg, fields),
    };
    const mesh = multi ? FlowShare.mesh(routines) : null;
    const via = viaRoutes(o.tun.unsafeRoutes ?? []);
    const drop = { multicast: o.tun.dropMulticast ?? false, localBroadcast: o.tun.dropLocalBroadcast ?? false };
    const handOff = o.tun.handOff ?? DEFAULT_TIO_HAND_OFF;
    this.plane = new DataPlane<Tunnel>({
      queue: device.queues[0]!, udp, hostmap: this.hostmap, firewall: o.firewall, local: pki.local, vpnIp: pki.vpnIp,
      prefix: pki.prefix, viaRoutes: via, drop, coalesce: lanes, sendRecvError: o.sendRecvError, flowPorts: mesh?.[0] ?? null, park: false,
      relays: this.relays?.table ?? null, handOff,
    }, control);
    if (mesh !== null) {
      const handles = device.queues.slice(1).map((q) => q.detach());
      this.workers = new Routines(handles, {
        listen: { ...o.listen, port: udp.port }, netns: o.netns, cipher: o.cipher, sendRecvError: o.sendRecvError,
        firewall: o.firewall, local: pki.local, vpnIp: pki.vpnIp, prefix: pki.prefix, viaRoutes: via, drop, coalesce: lanes, handOff,
        triggerBuffer: o.handshakes.triggerBuffer, logLevel: o.log.enabled('debug') ? 'debug' : 'info', relays: this.relays !== null,
      }, mesh.slice(1), {
        log: o.log,
        control,
        tunnel: (localIndex) => this.hostmap.byLocalIndex(localIndex),
        trigger: (_vpnIp, packets) => this.sendHeld(packets.map((b) => new Packet(Buffer.from(b.buffer, b.byteOffset, b.byteLength), 0, b.byteLength))),
        failed: (reason) => this.fail('Routine failed, stopping', reason),
      });
    }
    this.ready = this.workers === null ? RESOLVED : this.workers.ready;
    exposeInternals(this, {
      device, udp, hostmap: this.hostmap, handshakes: this.handshakes, lighthouse: this.lighthouse,
      lighthouseServer: this.lighthouseServer, punchy: this.punchy, heapTrimmer: this.heapTrimmer,
    });
  }

  /**
   * Opens the device and sockets and starts the data loops and timers. With
   * routines > 1 the loops start once every routine's socket is bound (`ready`).
   */
  static start(o: NodeOptions): OverlayNode {
    const { pki } = o;
    const routines = o.routines ?? 1;
    if (!Number.isInteger(routines) || routines < 1 || routines > MAX_QUEUES) {
      throw new OptionError('routines', `must be an integer 1..${MAX_QUEUES}, got ${String(routines)}`);
    }
    if (o.lighthouse?.amLighthouse === true && o.listen.port === 0) {
      throw new OptionError('lighthouse.amLighthouse', 'a lighthouse needs a non-zero listen.port (clients reach it at a fixed address)');
    }
    for (const lh of o.lighthouse?.amLighthouse === true ? [] : o.lighthouse?.hosts ?? []) {
      if ((o.staticHostMap.get(lh) ?? []).length === 0) throw new OptionError('lighthouse.hosts', `lighthouse ${u32ToIp(lh)} has no staticHostMap entry`);
    }
    // A bad TIO_AEAD_IMPL fails here, before any device exists, not at the first handshake.
    defaultAeadPath();
    const routes = o.tun.routes ?? [];
    const unsafe = o.tun.unsafeRoutes ?? [];
    checkRoutes(pki, routes, unsafe);
    const device = TunDevice.open({
      name: o.tun.name ?? 'tio%d', mtu: deviceMtu(o.tun.mtu, routes, unsafe), offload: o.tun.offload, gro: o.tun.gro, writeStrategy: o.tun.writeStrategy, netns: o.netns,
      ...(o.tun.txQueueLen !== undefined ? { txQueueLen: o.tun.txQueueLen } : {}),
      addresses: [`${u32ToIp(pki.vpnIp)}/${pki.prefix}`], queues: routines,
    });
    let udp: UdpSocket | null = null;
    let node: OverlayNode;
    try {
      installRoutes(device, pki, o.tun.mtu, routes, unsafe);
      udp = inNetns(o.netns, () => UdpSocket.open({ ...udpOptions(o.listen), reusePort: routines > 1 }));
      node = new OverlayNode(o, device, udp, routines);
    } catch (e) {
      udp?.close();
      device.close();
      throw e;
    }
    node.run();
    return node;
  }

  /** Data-path counters; with routines, the sum over every thread (routines' as of their last publish, about 1 s). */
  get stats(): NodeStats {
    if (this.workers === null) return this.plane.stats;
    const s = this.plane.stats.snapshot();
    this.workers.addStats(s);
    return s;
  }

  /** Why the node stopped by itself (a data loop or a routine failed); null otherwise. */
  get failure(): string | null {
    return this.failed;
  }

  /** A read-only snapshot: the node's addresses, its established tunnels and every counter. */
  status(): NodeStatus {
    const io: IoCounters = { tun: this.device.stats(), udp: this.udp.stats(), gro: this.plane.groStats() };
    this.workers?.addIo(io);
    const { pki } = this.o;
    return {
      interface: this.device.name,
      overlayAddress: `${u32ToIp(pki.vpnIp)}/${pki.prefix}`,
      listen: this.udp.local.key,
      routines: this.routines,
      firewallRulesVersion: this.plane.firewallRulesVersion,
      failure: this.failed,
      tunnels: Array.from(this.hostmap.all(), tunnelStatus),
      counters: nodeCounters(this.stats),
      handshakes: { ...this.handshakes.stats },
      lighthouse: this.lighthouse === null ? null : {
        ...this.lighthouse.stats, hosts: (this.o.lighthouse?.hosts ?? []).map(u32ToIp),
        learnedHosts: this.lighthouse.learnedHosts, waitingHosts: this.lighthouse.waitingHosts,
      },
      lighthouseServer: this.lighthouseServer === null ? null : { ...this.lighthouseServer.stats, hosts: this.lighthouseServer.hosts },
      punchy: { ...this.punchy.stats },
      relay: this.relays === null ? null : { ...this.relays.stats, relays: this.relays.table.size },
      tun: io.tun,
      udp: io.udp,
      gro: io.gro,
    };
  }

  /** Data-path counters per thread: [0] is main (queue 0), [i] routine i (as of its last publish). */
  statsByRoutine(): NodeStats[] {
    return [this.plane.stats.snapshot(), ...(this.workers?.statsEach() ?? [])];
  }

  /**
   * Applies a reloaded config to the running node, as nebula 1.6.1 reloads (docs/PROTOCOL.md
   * "Reloading the config"): the PKI (CA pool and blocklist always; the certificate and key unless
   * the certificate's address changed, which is refused with a log line), then with
   * pki.disconnect_invalid the tunnels whose peer no longer verifies are closed; the firewall in
   * every data plane (tracked flows re-checked at their next packet); listen.send_recv_error;
   * static_host_map (merged as nebula does); lighthouse.hosts, interval and advertise_addrs;
   * punchy.respond and delay. Everything else in `next` is ignored: it needs a restart.
   * Established tunnels stay up. Throws (nothing applied) OptionError for a lighthouse without a
   * static_host_map entry and FirewallRuleError for rules the matcher cannot take; `next` should
   * come from the same checks a start makes.
   */
  reload(next: NodeOptions): void {
    if (this.stopping) return;
    const { log } = this.o;
    // As a start (and nebula's reload) checks: every lighthouse needs a static_host_map entry in the new file.
    for (const lh of next.lighthouse?.hosts ?? []) {
      if ((next.staticHostMap.get(lh) ?? []).length === 0) throw new OptionError('lighthouse.hosts', `lighthouse ${u32ToIp(lh)} has no staticHostMap entry`);
    }
    const firewall = firewallChanged(this.o.firewall, next.firewall);
    // First what can fail, so a failure applies nothing.
    if (firewall) {
      const version = this.plane.reload(next.firewall, next.sendRecvError);
      this.workers?.reload(next.firewall, next.sendRecvError);
      log.info('New firewall has been installed', { rulesVersion: version });
    } else if (next.sendRecvError !== this.o.sendRecvError) {
      this.plane.reload(this.o.firewall, next.sendRecvError);
      this.workers?.reload(this.o.firewall, next.sendRecvError);
    }
    if (next.sendRecvError !== this.o.sendRecvError) log.info('Loaded send_recv_error config', { sendRecvError: next.sendRecvError });
    const refusal = certRefusal(this.o.pki, next.pki);
    const pki = refusal === null ? next.pki : { ...this.o.pki, pool: next.pki.pool };
    if (refusal !== null) {
      log.error('Could not refresh client cert', {
        error: refusal, newIp: `${u32ToIp(next.pki.vpnIp)}/${next.pki.prefix}`, oldIp: `${u32ToIp(this.o.pki.vpnIp)}/${this.o.pki.prefix}`,
      });
    }
    this.handshakes.setPki(pki);
    log.info('Trusted CA certificates refreshed', { fingerprints: pki.pool.fingerprints().join(',') });
    if (refusal === null) log.info('Client cert refreshed from disk', { name: pki.cert.details.name });
    const staticHostMap = mergeStaticHostMap(this.o.staticHostMap, next.staticHostMap);
    const lh = this.o.lighthouse;
    const nlh = next.lighthouse;
    if (this.lighthouse !== null && nlh !== undefined) this.lighthouse.reload(nlh.hosts, nlh.intervalMs);
    const py = this.o.punchy ?? { punch: false, respond: false, delayMs: 1000 };
    const npy = next.punchy ?? py;
    if (npy.punch !== py.punch) log.warn('Changing punchy.punch with reload is not supported, ignoring.', {});
    this.punchy.reload(npy.respond, npy.delayMs);
    this.o = {
      ...this.o, pki, firewall: firewall ? next.firewall : this.o.firewall, sendRecvError: next.sendRecvError, staticHostMap,
      // Hosts, interval and advertised addresses only when a client runs (one is not started by a reload).
      ...(lh !== undefined && nlh !== undefined ? { lighthouse: this.lighthouse === null ? lh : { ...lh, hosts: nlh.hosts, intervalMs: nlh.intervalMs, advertiseAddrs: nlh.advertiseAddrs ?? [] } } : {}),
      punchy: { ...py, respond: npy.respond, delayMs: npy.delayMs },
    };
    // As 1.6.1's connection manager does with pki.disconnect_invalid, but at once rather than at the next check.
    if (this.o.disconnectInvalid) {
      this.lastCertCheck = clock();
      this.closeInvalid();
    }
  }

  /** Starts a handshake to a peer now (normally traffic triggers it); without an address, asks the lighthouses first. */
  connect(vpnIp: number): boolean {
    return this.hostmap.get(vpnIp) !== undefined || this.handshakes.trigger(vpnIp) || (this.lighthouse?.hold(vpnIp) ?? false);
  }

  /**
   * Stops: sends close_tunnel to every peer (docs/PROTOCOL.md "close_tunnel"), stops timers, handshakes
   * and routines, closes the sockets and the device. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.lighthouse?.close();
    this.lighthouseServer?.close();
    this.punchy.close();
    for (const t of [...this.hostmap.all()]) {
      this.o.log.debug('Sending close tunnel message', { vpnIp: u32ToIp(t.vpnIp) });
      this.plane.sendControl(t, TYPE_CLOSE_TUNNEL, SUBTYPE_NONE);
      this.hostmap.remove(t);
    }
    for (const t of [...this.hostmap.allCandidates()]) this.hostmap.remove(t);
    this.relays?.table.clear();
    this.handshakes.close();
    // Let the close_tunnel datagrams leave before the socket goes.
    await new Promise((r) => setImmediate(r));
    if (this.workers) await this.workers.stop();
    // Its buffers (some MiB) go as soon as nothing runs on them, not at the next major GC, so a
    // process that starts and stops nodes does not pile them up in the malloc heap (test/faults/cycles.test.ts).
    await this.plane.close();
    this.device.close();
    this.o.log.info('Goodbye');
    this.markStopped();
  }

  private run(): void {
    // A routine that could not even be spawned has already stopped the node.
    if (this.stopping) return;
    this.timer = setInterval(() => this.tick(), Math.max(100, Math.min(this.o.timers.aliveMs, 1000)));
    this.timer.unref();
    const workers = this.workers;
    if (workers === null) {
      this.startLoops();
      return;
    }
    workers.ready.then(() => {
      if (this.stopping) return;
      workers.go();
      this.startLoops();
    }, (e: unknown) => {
      if (!this.stopping) this.fail('Routines failed to start', String(e));
    });
  }

  private startLoops(): void {
    this.plane.run();
    // The first update starts the handshakes to the lighthouses (lighthouse.go LhUpdateWorker).
    this.lighthouse?.start();
    const { o, device } = this;
    const { pki } = o;
    o.log.info('Nebula interface is active', {
      build: 'tio', interface: device.name, network: `${u32ToIp(pki.vpnIp)}/${pki.prefix}`, udpAddr: this.udp.local.key,
      offload: device.capabilities.tso ? (device.capabilities.uso ? 'tso+uso' : 'tso') : 'off', gro: device.groWrites, writeStrategy: device.writeStrategy, cipher: o.cipher,
      aead: aeadImplementation(o.cipher), routines: this.routines,
    });
  }

  // Something that should not fail did: log it and stop the node (failure says why).
  private fail(msg: string, error: string): void {
    this.o.log.error(msg, { error });
    this.failed ??= `${msg}: ${error}`;
    void this.stop();
  }

  // A new tunnel in main: share it with the routines (a tunnel they cannot have would be half there: drop it).
  private replicate(t: Tunnel, candidate: boolean): void {
    if (this.workers === null || this.workers.tunnelAdded(t, candidate)) return;
    this.o.log.error('No room to share the tunnel with the routines, dropping it', { vpnIp: u32ToIp(t.vpnIp) });
    queueMicrotask(() => this.hostmap.remove(t));
  }

  private tunnelUp(t: Tunnel, queued: Buffer[]): void {
    this.lighthouse?.tunnelUp(t.vpnIp);
    if (queued.length === 0) return;
    this.sendHeld(queued.map((b) => new Packet(b, 0, b.length)));
  }

  // Packets read elsewhere (held for a handshake, handed over by a routine) go out through data plane 0.
  private sendHeld(batch: Packet[]): void {
    if (this.stopping) return;
    this.plane.sendInner(batch);
  }

  // A peer's underlay addresses: static_host_map first, then what the lighthouses told us.
  private remotesFor(vpnIp: number): readonly Endpoint[] {
    const direct = this.directRemotes(vpnIp);
    // Relays that are up for this peer come last: a handshake goes through them too (docs/PROTOCOL.md "Relays").
    const via = this.relays?.table.pathsTo(vpnIp) ?? [];
    return via.length === 0 ? direct : [...direct, ...via];
  }

  private directRemotes(vpnIp: number): readonly Endpoint[] {
    const fixed = this.o.staticHostMap.get(vpnIp);
    const learned = this.lighthouse?.remotes(vpnIp);
    if (learned === undefined || learned.length === 0) return fixed ?? [];
    if (fixed === undefined || fixed.length === 0) return learned;
    return [...fixed, ...learned.filter((a) => !fixed.some((f) => f.equals(a)))];
  }

  // A tunnel left the hostmap: the routines drop their replica; a lighthouse forgets the host once no
  // tunnel to it remains (a replacement is installed in the same turn, so it is checked after it).
  private tunnelRemoved(t: Tunnel): void {
    this.workers?.tunnelRemoved(t);
    this.relays?.tunnelClosed(t);
    const server = this.lighthouseServer;
    if (server === null) return;
    queueMicrotask(() => {
      if (this.hostmap.get(t.vpnIp) === undefined) server.tunnelClosed(t.vpnIp);
    });
  }

  // A lighthouse's message to a host goes on its tunnel, if there is one (a lighthouse starts no handshakes for them).
  private sendMeta(vpnIp: number, payload: Uint8Array): boolean {
    const t = this.hostmap.get(vpnIp);
    if (t === undefined) return false;
    this.plane.sendControl(t, TYPE_LIGHTHOUSE, SUBTYPE_NONE, payload);
    return true;
  }

  // punchy.respond (nebula lighthouse.go handleHostPunchNotification): a test message to the host that
  // asked about us; without a tunnel, sending it starts a handshake (asking our lighthouses for its address).
  private respond(vpnIp: number): void {
    if (this.stopping) return;
    const t = this.hostmap.get(vpnIp);
    this.o.log.debug('Punch respond', { vpnIp: u32ToIp(vpnIp), tunnel: t !== undefined });
    if (t !== undefined) this.plane.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REQUEST);
    else this.connect(vpnIp);
  }

  // A NebulaMeta for lighthouse `lh` goes on its tunnel; without one, a handshake to it starts and
  // the client sends again once the tunnel is up (tunnelUp).
  private sendLighthouse(lh: number, payload: Uint8Array): boolean {
    const t = this.hostmap.get(lh);
    if (t === undefined) {
      this.handshakes.trigger(lh);
      return false;
    }
    this.plane.sendControl(t, TYPE_LIGHTHOUSE, SUBTYPE_NONE, payload);
    return true;
  }

  // lighthouse.remote_allow_list for a handshake or roam from `from` (docs/PROTOCOL.md "Allow lists"); relayed ones have no address to check.
  private remoteAllowed(vpnIp: number, from: Endpoint): boolean {
    const list = this.o.lighthouse?.remoteAllowList ?? null;
    return list === null || from.ip === RELAY_PATH_IP || list.allows(vpnIp, from);
  }

  // Our addresses for the lighthouses, from the namespace the socket lives in (docs/PROTOCOL.md "Lighthouse messages").
  private reportAddrs(): ReturnType<typeof reportedAddresses> {
    return reportedAddresses(this.reportInput());
  }

  // Our IPv6 addresses for the lighthouses (an IPv6 or dual-stack socket only).
  private reportAddrs6(): ReturnType<typeof reportedAddresses6> {
    return reportedAddresses6(this.reportInput());
  }

  private reportInput(): Parameters<typeof reportedAddresses>[0] {
    const { o } = this;
    const ifaces = inNetns(o.netns, () => networkInterfaces());
    return {
      advertise: o.lighthouse?.advertiseAddrs ?? [], interfaces: Object.entries(ifaces).flatMap(([name, l]) => (l ?? []).map((i) => ({ ...i, name }))),
      listenHost: o.listen.host, port: this.udp.port, vpnIp: o.pki.vpnIp, prefix: o.pki.prefix, localAllowList: o.lighthouse?.localAllowList ?? null,
    };
  }

  // A lighthouse answered with addresses for vpnIp: a pending handshake's msg1 goes there now; traffic that
  // waited for the answer (held, not null) starts one. Like nebula, a reply nobody waited for starts nothing.
  private learned(vpnIp: number, held: readonly Buffer[] | null): void {
    if (this.hostmap.get(vpnIp) !== undefined) {
      if (held !== null && held.length > 0) this.sendHeld(held.map((b) => new Packet(b, 0, b.length)));
      return;
    }
    const pending = this.handshakes.hurry(vpnIp);
    if (held === null) return;
    if (!pending) this.handshakes.trigger(vpnIp);
    for (const p of held) this.handshakes.trigger(vpnIp, p);
  }

  // docs/PROTOCOL.md "recv_error": counted per tunnel (looked up by its remote index) and honoured only from
  // the tunnel's current address; re-handshake at once, replace on completion (docs/ARCHITECTURE.md "The control plane").
  // A tunnel that carried authenticated traffic within RECV_ERROR_QUIET_MS is alive: a
  // recv_error there is a late duplicate (or a spoofed one) and only counts.
  private onRecvError(remoteIndex: number, from: Endpoint): void {
    this.handshakes.abandonIndex(remoteIndex, from);
    const t = this.hostmap.byRemoteIndex(remoteIndex);
    if (t === undefined || !t.remote.equals(from)) return;
    // Authenticated traffic since the last one (seen by any thread) starts the count again.
    if (t.lastInbound > t.lastRecvError) t.recvErrors = 0;
    const now = clock();
    t.lastRecvError = now;
    t.recvErrors++;
    this.o.log.debug('Recv error received', { vpnIp: u32ToIp(t.vpnIp), count: t.recvErrors });
    if (now - t.lastInbound >= RECV_ERROR_QUIET_MS) this.handshakes.trigger(t.vpnIp);
    if (t.recvErrors >= RECV_ERROR_TEARDOWN_COUNT) {
      this.o.log.info('Tunnel torn down after recv_error', { vpnIp: u32ToIp(t.vpnIp) });
      this.hostmap.remove(t);
    }
  }

  // An authenticated NebulaControl (docs/PROTOCOL.md "Relays"); undecodable ones are counted and dropped.
  private onRelayControl(t: Tunnel, buf: Buffer, off: number, len: number): void {
    const r = this.relays;
    if (r === null) {
      this.plane.stats.drops['outside-unhandled-type']++;
      return;
    }
    try {
      r.onMessage(t, decodeControl(buf, off, off + len));
    } catch (e) {
      if (!(e instanceof ControlMessageError)) throw e;
      r.stats.malformed++;
    }
  }

  private closeReceived(t: Tunnel): void {
    this.o.log.info('Close tunnel received, tearing down.', { vpnIp: u32ToIp(t.vpnIp) });
    this.hostmap.remove(t);
  }

  // Liveness (docs/PROTOCOL.md "Test messages and liveness"): outbound traffic without inbound -> test request; still nothing
  // after pending_deletion_interval -> the tunnel goes (a new one comes with new traffic).
  // The stamps include the routines' traffic (shared cells).
  private tick(): void {
    const now = clock();
    const { aliveMs, pendingDeletionMs } = this.o.timers;
    for (const t of [...this.hostmap.all()]) {
      if (t.awaitingProof && t.lastOutbound > t.lastInbound && now - t.lastInbound > UNPROVEN_SILENT_MS) {
        this.o.log.info('Tunnel never proven, dropping it', { vpnIp: u32ToIp(t.vpnIp), udpAddr: t.remote.toString() });
        this.hostmap.remove(t);
        continue;
      }
      if (t.testPendingSince > 0 && t.lastInbound >= t.testPendingSince) t.testPendingSince = 0;
      if (t.testPendingSince > 0) {
        if (now - t.testPendingSince > pendingDeletionMs && t.lastInbound < t.testPendingSince) {
          this.o.log.info('Tunnel status', { vpnIp: u32ToIp(t.vpnIp), tunnelCheck: 'dead' });
          this.hostmap.remove(t);
        }
      } else if (t.lastOutbound > t.lastInbound && now - t.lastInbound > aliveMs) {
        t.testPendingSince = now;
        this.plane.sendControl(t, TYPE_TEST, SUBTYPE_TEST_REQUEST);
      }
    }
    if (this.o.disconnectInvalid && now - this.lastCertCheck >= aliveMs) {
      this.lastCertCheck = now;
      this.closeInvalid();
    }
    this.plane.tick(now);
    this.lighthouse?.tick();
    this.punchy.tick();
    this.prober?.tick(now);
    const hs = this.handshakes.stats;
    this.heapTrimmer.tick(now, hs.completed + hs.responded + this.hostmap.size);
  }

  // pki.disconnect_invalid (connection_manager.go handleInvalidCertificate in 1.6.1): a tunnel whose
  // certificate no longer verifies (expired, blocklisted, CA gone) is told close_tunnel and removed.
  private closeInvalid(): void {
    const date = new Date();
    for (const t of [...this.hostmap.all()]) {
      try {
        verifyCertificate(t.cert.cert, this.o.pki.pool, date);
      } catch (e) {
        if (!(e instanceof CertError)) throw e;
        this.o.log.info('Remote certificate is no longer valid, tearing down the tunnel', {
          vpnIp: u32ToIp(t.vpnIp), fingerprint: t.cert.fingerprint, error: e.message,
        });
        this.plane.sendControl(t, TYPE_CLOSE_TUNNEL, SUBTYPE_NONE);
        this.hostmap.remove(t);
      }
    }
  }
}
