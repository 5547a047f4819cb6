/**
 * OverlayNode.status(): a read-only snapshot of a running node for users and
 * operators, in place of its internals (device, sockets, hostmap, handshakes).
 * Plain data, copied at the call: holding it keeps nothing alive and changes nothing.
 */
import { u32ToIp } from '../cert/index.js';
import type { CoalescerStats } from '../../gro/index.js';
import type { QueueStats } from '../../tun/index.js';
import type { UdpStats } from '../../udp/index.js';
import type { LighthouseServerStats, LighthouseStats, PunchyStats } from '../lighthouse/index.js';
import { RELAY_PATH_IP, type RelayStats } from '../relay/index.js';
import type { HandshakeStats } from './handshakes.js';
import type { NodeDropReason, NodeStats } from './stats.js';
import type { Tunnel } from './tunnel.js';

/** The node's data-path counters (NodeStats as plain read-only data). */
export interface NodeCounters {
  /** Inner packets read from the TUN (superpackets count once). */
  readonly insidePackets: number;
  /** Datagrams encrypted and sent. */
  readonly datagramsOut: number;
  /** Datagrams received (after GRO split). */
  readonly datagramsIn: number;
  /** Inner packets decrypted and delivered to the TUN. */
  readonly delivered: number;
  /** recv_error messages sent. */
  readonly recvErrorsSent: number;
  /** recv_error messages received. */
  readonly recvErrorsReceived: number;
  /** Test requests answered. */
  readonly testReplies: number;
  /** Rejects sent through the tunnel for refused inbound packets. */
  readonly rejectsToPeers: number;
  /** Rejects written to the TUN for refused outbound packets. */
  readonly rejectsToTun: number;
  /** Rejects not sent because the reject budget was spent. */
  readonly rejectsLimited: number;
  /** Rejects for the TUN skipped (no room, or the write failed). */
  readonly rejectsSkipped: number;
  /** Relayed packets passed on between two other hosts. */
  readonly relayedOut: number;
  /** Bytes of inner packets in authenticated data messages. */
  readonly bytesIn: number;
  /** Bytes of inner packets in data messages sealed to send. */
  readonly bytesOut: number;
  /** Native AEAD seal calls of the outbound path (one per tunnel run). */
  readonly aeadSealCalls: number;
  /** Data messages those sealed. */
  readonly aeadSealed: number;
  /** Native AEAD open calls of the inbound path (one per tunnel run; control messages one each). */
  readonly aeadOpenCalls: number;
  /** Messages those opened (authenticated or not). */
  readonly aeadOpened: number;
  /** Tracked flows the rules of a reloaded firewall still allowed at their next packet (docs/PROTOCOL.md "Reloading the config"). */
  readonly firewallFlowsKept: number;
  /** Tracked flows a reloaded firewall no longer allowed: forgotten, their packet judged afresh. */
  readonly firewallFlowsRevoked: number;
  /** Drops by reason. */
  readonly drops: Readonly<Record<NodeDropReason, number>>;
}

/** Handshake outcome counters (plain read-only data). */
export type HandshakeCounters = Readonly<HandshakeStats>;

/** The lighthouse client: its lighthouses, what it holds and its counters (plain read-only data). */
export interface LighthouseStatus extends Readonly<LighthouseStats> {
  /** The lighthouses' overlay addresses (config lighthouse.hosts). */
  readonly hosts: readonly string[];
  /** Overlay addresses with underlay addresses learned from replies. */
  readonly learnedHosts: number;
  /** Peers whose traffic waits for a lighthouse answer. */
  readonly waitingHosts: number;
}

/** The lighthouse server (am_lighthouse): hosts kept and its counters (plain read-only data). */
export interface LighthouseServerStatus extends Readonly<LighthouseServerStats> {
  /** Hosts whose reported addresses are kept. */
  readonly hosts: number;
}

/** Hole punching counters (plain read-only data). */
export type PunchyCounters = Readonly<PunchyStats>;

/** Relaying for other hosts: control-message counters and the relay entries held (plain read-only data). */
export interface RelayStatus extends Readonly<RelayStats> {
  /** Relay entries (two per relay we forward for). */
  readonly relays: number;
}

/** One established tunnel, as status() saw it. */
export interface TunnelStatus {
  /** The peer's certificate name. */
  readonly peer: string;
  /** The peer's overlay (VPN) address, dotted quad. */
  readonly overlayAddress: string;
  /** The peer's underlay address, "ip:port" ("[ip]:port" for IPv6), or "relayed" when the tunnel goes through a relay. */
  readonly remote: string;
  /** Our index of the tunnel: the peer puts it in every packet it sends us. */
  readonly localIndex: number;
  /** The peer's index of the tunnel: we put it in every packet we send. */
  readonly remoteIndex: number;
  /** True when this node started the handshake. */
  readonly initiator: boolean;
  /** False until a packet authenticated on the tunnel (a tunnel answered from a msg1 starts unproven). */
  readonly proven: boolean;
  /** Fingerprint of the peer's certificate, lowercase hex. */
  readonly fingerprint: string;
  /** Message counters (the Nebula header's counter): the last one reserved for sending, on any thread. */
  readonly sendCounter: number;
  /** The highest message counter the main thread accepted from the peer. */
  readonly receiveCounter: number;
  /** Last authenticated inbound packet, epoch ms (any thread). */
  readonly lastInboundAt: number;
  /** Last outbound packet, epoch ms (any thread). */
  readonly lastOutboundAt: number;
  /** Data messages authenticated on the tunnel (every thread). */
  readonly packetsIn: number;
  /** Bytes of the inner packets they carried. */
  readonly bytesIn: number;
  /** Data messages sealed and sent on the tunnel (every thread). */
  readonly packetsOut: number;
  /** Bytes of the inner packets they carried. */
  readonly bytesOut: number;
}

/** A read-only snapshot of a node: what it is, its tunnels and its counters. */
export interface NodeStatus {
  /** The TUN interface name. */
  readonly interface: string;
  /** This node's overlay address and prefix, e.g. "198.19.0.1/16". */
  readonly overlayAddress: string;
  /** The underlay listen address, "host:port" or "[ipv6]:port" (the port the kernel chose when 0 was asked for). */
  readonly listen: string;
  /** Number of TUN queue / UDP socket pairs. */
  readonly routines: number;
  /** Firewall rules version: 0 at start, +1 per reload that changed the rules, wrapping at 2^16 as nebula's. */
  readonly firewallRulesVersion: number;
  /** Why the node stopped by itself; null while running or after stop(). */
  readonly failure: string | null;
  /** Established tunnels, in no particular order (candidates waiting for proof are not listed). */
  readonly tunnels: readonly TunnelStatus[];
  /** Data-path counters, summed over every thread (routines' as of their last publish, about 1 s). */
  readonly counters: NodeCounters;
  /** Handshake counters. */
  readonly handshakes: HandshakeCounters;
  /** The lighthouse client; null without lighthouse.hosts. */
  readonly lighthouse: LighthouseStatus | null;
  /** The lighthouse server; null unless lighthouse.am_lighthouse. */
  readonly lighthouseServer: LighthouseServerStatus | null;
  /** Hole punching (punch notifications acted on, punches and keepalives sent). */
  readonly punchy: PunchyCounters;
  /** Relaying for other hosts (docs/PROTOCOL.md "Relays"); null without relay.am_relay. */
  readonly relay: RelayStatus | null;
  /** TUN counters, summed over the device's queues (routines' as of their last publish, about 1 s). */
  readonly tun: Readonly<QueueStats>;
  /** UDP counters, summed over the node's sockets (one per routine; routines' as of their last publish). */
  readonly udp: Readonly<UdpStats>;
  /** Coalescer (GRO) counters, summed over the threads' data planes (routines' as of their last publish). */
  readonly gro: Readonly<CoalescerStats>;
}

/** A detached plain copy of NodeStats counters. */
export function nodeCounters(s: NodeStats): NodeCounters {
  return {
    insidePackets: s.insidePackets, datagramsOut: s.datagramsOut, datagramsIn: s.datagramsIn, delivered: s.delivered,
    recvErrorsSent: s.recvErrorsSent, recvErrorsReceived: s.recvErrorsReceived, testReplies: s.testReplies,
    rejectsToPeers: s.rejectsToPeers, rejectsToTun: s.rejectsToTun, rejectsLimited: s.rejectsLimited,
    rejectsSkipped: s.rejectsSkipped, relayedOut: s.relayedOut, bytesIn: s.bytesIn, bytesOut: s.bytesOut,
    aeadSealCalls: s.aeadSealCalls, aeadSealed: s.aeadSealed, aeadOpenCalls: s.aeadOpenCalls, aeadOpened: s.aeadOpened,
    firewallFlowsKept: s.firewallFlowsKept, firewallFlowsRevoked: s.firewallFlowsRevoked,
    drops: { ...s.drops },
  };
}

/** The status of one established tunnel. */
export function tunnelStatus(t: Tunnel): TunnelStatus {
  return {
    peer: t.cert.cert.details.name,
    overlayAddress: u32ToIp(t.vpnIp),
    remote: t.remote.ip === RELAY_PATH_IP ? 'relayed' : t.remote.toString(),
    localIndex: t.localIndex,
    remoteIndex: t.remoteIndex,
    initiator: t.initiator,
    proven: !t.awaitingProof,
    fingerprint: t.cert.fingerprint,
    sendCounter: t.lastCounter,
    receiveCounter: t.window.highest,
    lastInboundAt: t.lastInbound,
    lastOutboundAt: t.lastOutbound,
    ...t.traffic(),
  };
}
