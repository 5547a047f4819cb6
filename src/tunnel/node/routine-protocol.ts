/**
 * Messages between the main thread of a multi-queue node and its worker
 * threads ("routines" 1..N-1). Plain data only (structured clone), and the
 * one conversion of an Endpoint to and from it.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CipherName } from '../aead/index.js';
import type { AddressSet, FirewallOptions, PeerIdentity } from '../firewall/index.js';
import type { LogFields, LogLevel } from '../log/logger.js';
import type { RelayReplica } from '../relay/index.js';
import type { QueueHandle } from '../../tun/index.js';
import type { ViaRoute } from './route-table.js';
import type { SendRecvErrorMode } from '../wire/index.js';
import type { NodeOptions } from './options.js';
import type { TunnelSlotBuffers } from './tunnel.js';
import { Endpoint } from '../../udp/index.js';

/** An Endpoint as plain data. */
export interface EndpointData {
  ip: string;
  port: number;
  scopeId: number;
}

/** An Endpoint as it crosses threads. */
export function endpointData(e: Endpoint): EndpointData {
  return { ip: e.ip, port: e.port, scopeId: e.scopeId };
}

/** The Endpoint an EndpointData names. */
export function endpointOf(d: EndpointData): Endpoint {
  return Endpoint.of(d.ip, d.port, d.scopeId);
}

/** workerData of a routine. */
export interface RoutineInit {
  /** Routine number (= TUN queue index), 1..N-1. */
  index: number;
  /** The detached TUN queue. */
  queue: QueueHandle;
  /** Set to 1 by the worker as soon as it owns the queue's fds (before then, main still does). */
  attached: SharedArrayBuffer;
  /** Bind address of the SO_REUSEPORT group (port is the one main's socket got). */
  listen: NodeOptions['listen'];
  netns: string | undefined;
  cipher: CipherName;
  sendRecvError: SendRecvErrorMode;
  firewall: FirewallOptions;
  local: AddressSet;
  vpnIp: number;
  prefix: number;
  /** Unsafe routes, as data plane 0 has them. */
  viaRoutes: readonly ViaRoute[];
  /** tun.drop_multicast / tun.drop_local_broadcast, as data plane 0 has them. */
  drop: { multicast: boolean; localBroadcast: boolean };
  /** Coalescer lanes (device capabilities and GRO probe result). */
  coalesce: { tcp: boolean; udp: boolean; verifyChecksums: boolean };
  /** tio.hand_off, as data plane 0 has it. */
  handOff: boolean;
  /** Packets per peer the routine hands to main per second while no tunnel exists (handshakes.trigger_buffer). */
  triggerBuffer: number;
  /** TunnelSlots.buffers. */
  slots: TunnelSlotBuffers;
  /** THREAD_COUNTER_SLOTS numbers the routine keeps current (thread-counters.ts). */
  stats: SharedArrayBuffer;
  /** This routine's ends of the conntrack replication mesh, one per other thread (flow-share.ts); transferred. */
  flowPorts: MessagePort[];
  /** Lowest log level worth posting to main. */
  logLevel: LogLevel;
  /** Whether main keeps relays: the routine then keeps replicas of its relay entries ('relay'). */
  relays: boolean;
  /** Whether main's thread waits inside JavaScript (waitInJavaScript): the routine's then does too. */
  loopWait: boolean;
}

/** A relay entry as plain data: its tunnel (`via`) and partner by local index (RelayReplica). */
export type RelayData = Omit<RelayReplica<never>, 'via'> & { via: number };

/** Main -> routine. */
export type ToRoutine =
  /** Start the data loops (every socket of the group is bound). */
  | { t: 'go' }
  /**
   * Install a tunnel (replacing one to the same vpnIp), or with `candidate` a candidate reachable by
   * index only (Hostmap.addCandidate). `awaitingProof`: report its first authenticated packet ('proven').
   */
  | {
    t: 'add'; slot: number; vpnIp: number; localIndex: number; remoteIndex: number; remote: EndpointData;
    sendKey: Uint8Array; recvKey: Uint8Array; identity: PeerIdentity; candidate: boolean; awaitingProof: boolean;
  }
  /** A candidate becomes its peer's tunnel (Hostmap.promote). */
  | { t: 'promote'; localIndex: number }
  /** The tunnel roamed: its peer is at `remote` now (roaming.ts). */
  | { t: 'remote'; localIndex: number; remote: EndpointData }
  /** Remove a tunnel; answered with 'released'. */
  | { t: 'del'; localIndex: number; slot: number }
  /** Add or update the replica of a relay entry of main's table (RelayTable.put). */
  | { t: 'relay'; entry: RelayData }
  /** A relay entry left main's table (RelayTable.forget). */
  | { t: 'unrelay'; localIndex: number }
  /** A reloaded firewall and listen.send_recv_error (DataPlane.reload). */
  | { t: 'reload'; firewall: FirewallOptions; sendRecvError: SendRecvErrorMode }
  /** Close socket and queue, then exit. */
  | { t: 'stop' };

/** Routine -> main. */
export type FromRoutine =
  /** Socket bound, data path built; waiting for 'go'. */
  | { t: 'ready' }
  /** Startup failed; the worker is exiting. */
  | { t: 'fatal'; error: string }
  /** Inner packets for a peer without a tunnel here (wire-sized, copied). */
  | { t: 'trigger'; vpnIp: number; packets: Uint8Array[] }
  /** A handshake datagram (copied) and its sender. */
  | { t: 'handshake'; counter: number; remoteIndex: number; bytes: Uint8Array; from: EndpointData }
  /** A recv_error datagram. */
  | { t: 'recvError'; remoteIndex: number; from: EndpointData }
  /** An authenticated close_tunnel. */
  | { t: 'close'; localIndex: number }
  /** An authenticated lighthouse message's plaintext (copied). */
  | { t: 'lighthouse'; localIndex: number; bytes: Uint8Array }
  /** An authenticated relay control message's plaintext (copied): a NebulaControl. */
  | { t: 'relayControl'; localIndex: number; bytes: Uint8Array }
  /** The first packet authenticated on a tunnel that was awaiting proof. */
  | { t: 'proven'; localIndex: number }
  /** Authenticated traffic for a tunnel came straight from `to`, not its remote: may it roam there (ControlPlane.roam)? */
  | { t: 'roam'; localIndex: number; to: EndpointData }
  /** A slot named by 'del' is no longer used by this routine. */
  | { t: 'released'; slot: number }
  | { t: 'log'; level: LogLevel; msg: string; fields: LogFields };
