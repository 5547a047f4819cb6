/** Everything an OverlayNode runs with, independent of where it came from (YAML config or code). */
import type { CipherName } from '../aead/index.js';
import type { FirewallOptions, Ipv4Net } from '../firewall/index.js';
import type { Logger } from '../log/logger.js';
import type { Endpoint, UdpSocketOptions } from '../../udp/index.js';
import type { LocalAllowList, RemoteAllowList } from '../lighthouse/index.js';
import type { SendRecvErrorMode } from '../wire/index.js';
import type { OffloadOption, WriteStrategy } from '../../tun/index.js';
import type { HandshakeOptions } from './handshakes.js';
import type { Pki } from './pki.js';

/** A route inside the overlay network with its own MTU (config tun.routes; docs/PROTOCOL.md "Routes through the tun device"). */
export interface NodeRoute {
  /** Network inside the certificate network. */
  readonly route: Ipv4Net;
  /** Its MTU (500..65535); the device MTU becomes the largest of tun.mtu and every route MTU. */
  readonly mtu: number;
}

/** A network outside the overlay reached through an overlay host (config tun.unsafe_routes; docs/PROTOCOL.md "Unsafe routes"). */
export interface NodeUnsafeRoute {
  /** Network outside the certificate network. */
  readonly route: Ipv4Net;
  /** Overlay IP of the host whose tunnel carries it; its certificate must list the network in `subnets`. */
  readonly via: number;
  /** Route MTU; 0: none set, the device MTU applies (nebula's meaning of an absent or 0 mtu). */
  readonly mtu: number;
  /** Route priority; 0: none set (the kernel's default). */
  readonly metric: number;
  /** Install the kernel route (default true); false only routes packets the system already sends to the device. */
  readonly install?: boolean;
}

/** Options of OverlayNode.start. */
export interface NodeOptions {
  pki: Pki;
  /**
   * Re-check every tunnel's certificate (expiry, blocklist, CA) once per liveness period and close the
   * tunnels whose certificate no longer verifies, with close_tunnel (config pki.disconnect_invalid, default false).
   */
  disconnectInvalid?: boolean;
  /** Data and handshake cipher; the same network-wide (config `cipher`). */
  cipher: CipherName;
  /** Underlay addresses per peer overlay IP (config static_host_map). */
  staticHostMap: ReadonlyMap<number, readonly Endpoint[]>;
  /**
   * Lighthouse client (config lighthouse.*): the lighthouses' overlay IPs (each needs a
   * staticHostMap entry), how often our addresses go to them, and extra addresses to report
   * (port 0: our listen port). Absent or no hosts: peers come from staticHostMap only.
   */
  lighthouse?: {
    /** Serve as a lighthouse (config lighthouse.am_lighthouse): `hosts` then go unused. */
    amLighthouse?: boolean;
    hosts: readonly number[];
    intervalMs: number;
    advertiseAddrs?: readonly { host: string; port: number }[];
    /** Which interface addresses are reported (config lighthouse.local_allow_list); absent or null: all. */
    localAllowList?: LocalAllowList | null;
    /** Which peer addresses are learned, handshaken with or roamed to (config remote_allow_list, remote_allow_ranges); absent or null: all. */
    remoteAllowList?: RemoteAllowList | null;
  };
  /**
   * Hole punching (config punchy.*): keepalive punches to tunnel remotes (`punch`), reaching a host
   * that asked about us (`respond`), the wait before a notification's punches (`delayMs`).
   * Absent: punch and respond off, delay 1 s.
   */
  punchy?: { punch: boolean; respond: boolean; delayMs: number };
  /**
   * Relays (config relay.*, docs/PROTOCOL.md "Relays"): `amRelay` passes packets between two other
   * hosts that ask us to; `relays` are the overlay IPs others may reach us through (told to the
   * lighthouses); `useRelays` handshakes through the relays lighthouses name for a peer. Single-queue
   * nodes only. Absent: relay messages are dropped and counted.
   */
  relay?: { amRelay: boolean; relays?: readonly number[]; useRelays?: boolean };
  /**
   * The UDP socket (config listen): bind address; datagrams per receive call (listen.batch,
   * 1..64, default 64); SO_RCVBUF / SO_SNDBUF bytes (listen.read_buffer / write_buffer; absent
   * or 0: tio's 4 MiB default, where nebula leaves the kernel's).
   */
  listen: { host: string; port: number; batch?: number; readBuffer?: number; writeBuffer?: number };
  /** When to answer unknown indexes with recv_error (config listen.send_recv_error). */
  sendRecvError: SendRecvErrorMode;
  tun: {
    /** Interface name (config tun.dev); kernel-chosen when unset. */
    name?: string;
    /** Overlay MTU (config tun.mtu, default 1300). */
    mtu: number;
    /** TUN offloads (tio extension, default 'auto'). */
    offload: OffloadOption;
    /** Coalesce received packets before writing them (tio extension, default true). */
    gro: boolean;
    /** Yield the CPU after a lone packet's write (config tio.hand_off, default true; docs/LATENCY.md "Handing off the CPU"). */
    handOff?: boolean;
    /** How TUN writes are issued (config tio.write_strategy; default 'auto': 'copy' before Linux 5.4). */
    writeStrategy?: 'auto' | WriteStrategy;
    /** Routes with their own MTU inside the overlay network (config tun.routes). */
    routes?: readonly NodeRoute[];
    /** Networks outside the overlay reached through an overlay host (config tun.unsafe_routes). */
    unsafeRoutes?: readonly NodeUnsafeRoute[];
    /** The device's transmit queue length (config tun.tx_queue; the kernel's 500 when unset). */
    txQueueLen?: number;
    /** Drop packets from the TUN to multicast addresses (config tun.drop_multicast, default false). */
    dropMulticast?: boolean;
    /** Drop packets from the TUN to the overlay network's broadcast address (config tun.drop_local_broadcast, default false). */
    dropLocalBroadcast?: boolean;
  };
  handshakes: HandshakeOptions;
  timers: {
    /** Liveness check period (config timers.connection_alive_interval, default 5 s). */
    aliveMs: number;
    /** Grace after an unanswered test request (config timers.pending_deletion_interval, default 10 s). */
    pendingDeletionMs: number;
  };
  firewall: FirewallOptions;
  log: Logger;
  /**
   * TUN queue / UDP socket pairs (config `routines`, default 1). With N > 1 the
   * device opens N queues, N SO_REUSEPORT sockets share the listen address, and
   * routines 1..N-1 run in worker threads (routines.ts).
   * As with any SO_REUSEPORT group, another process of the same user bound to the
   * same address and port with SO_REUSEPORT would silently share the traffic.
   */
  routines?: number;
  /** Open the TUN device and the UDP socket inside this network namespace (tests, demos). */
  netns?: string;
}

/** The UdpSocket options of a node's listen settings (one place for the main thread and the routines). */
export function udpOptions(l: NodeOptions['listen']): UdpSocketOptions {
  return {
    host: l.host, port: l.port,
    ...(l.batch !== undefined ? { batchMessages: l.batch } : {}),
    ...(l.readBuffer ? { receiveBufferBytes: l.readBuffer } : {}),
    ...(l.writeBuffer ? { sendBufferBytes: l.writeBuffer } : {}),
  };
}
