// The typed node configuration: the subset of a Nebula 1.6.1 config that tio uses
// (docs/PROTOCOL.md "Config keys and defaults"), plus tio's own `tio:` section. Durations are milliseconds;
// overlay IPv4 addresses are u32 numbers as in certificates.
import type { FirewallAction } from '../firewall/firewall.js';
import type { FirewallRule } from '../firewall/rule.js';
import type { LocalAllowList, RemoteAllowList } from '../lighthouse/index.js';
import type { Ipv4Net } from '../firewall/ipv4.js';
import type { SendRecvErrorMode } from '../wire/recv-error.js';

/** A pki value: nebula treats one containing "-----BEGIN" as inline PEM, anything else as a file path. */
export interface PemSource {
  /** The value as written in the config. */
  readonly value: string;
  /** True for inline PEM, false for a file path (relative paths are relative to the working directory, as in nebula). */
  readonly inline: boolean;
}

/** `pki`: credentials and certificate policy. */
export interface PkiConfig {
  /** CA certificate(s), possibly several PEM blocks. */
  readonly ca: PemSource;
  /** This node's certificate. */
  readonly cert: PemSource;
  /** This node's X25519 private key. */
  readonly key: PemSource;
  /** Refused certificate fingerprints, lower-case hex (`blocklist` plus the legacy `blacklist`). */
  readonly blocklist: readonly string[];
  /** Close tunnels whose peer certificate became invalid. */
  readonly disconnectInvalid: boolean;
}

/** An underlay UDP endpoint, always an IP literal. */
export interface UnderlayAddress {
  /** IP literal without brackets ("198.18.0.2", "fd00::2"). */
  readonly host: string;
  /** UDP port 1..65535. */
  readonly port: number;
  /** Address family of host. */
  readonly family: 4 | 6;
}

/** `lighthouse`: the lighthouse client, or with am_lighthouse the server (docs/PROTOCOL.md "Lighthouse messages"). */
export interface LighthouseConfig {
  /** `am_lighthouse`: serve as a lighthouse (needs a non-zero listen.port); `hosts` then go unused. */
  readonly amLighthouse: boolean;
  /** Lighthouse overlay IPs, each also a `static_host_map` key. */
  readonly hosts: readonly number[];
  /** `interval`, given in whole seconds: how often our addresses go to the lighthouses. */
  readonly intervalMs: number;
  /** `advertise_addrs`: extra underlay addresses to report; port 0 means our listen port. */
  readonly advertiseAddrs: readonly UnderlayAddress[];
  /** `local_allow_list`: which of our addresses are reported; null = all. */
  readonly localAllowList: LocalAllowList | null;
  /** `remote_allow_list` with `remote_allow_ranges`: which peer addresses are learned and accepted; null = all. */
  readonly remoteAllowList: RemoteAllowList | null;
}

/** `listen`: the underlay UDP socket. */
export interface ListenConfig {
  /** Bind address, an IP literal without brackets. */
  readonly host: string;
  /** Bind port; 0 = kernel-chosen. */
  readonly port: number;
  /** Datagrams per receive syscall (`batch`). */
  readonly batch: number;
  /** SO_RCVBUF in bytes; 0 = tio's default (4 MiB, DEFAULT_BUFFER_BYTES), not the kernel's. */
  readonly readBuffer: number;
  /** SO_SNDBUF in bytes; 0 = tio's default (4 MiB, DEFAULT_BUFFER_BYTES), not the kernel's. */
  readonly writeBuffer: number;
  /** When to answer with recv_error. */
  readonly sendRecvError: SendRecvErrorMode;
}

/** `punchy`: NAT keepalives. */
export interface PunchyConfig {
  /** Send 1-byte keepalives to remotes (`punch`, legacy `punchy: true`). */
  readonly punch: boolean;
  /** After a punch notification, reach the asker too (`respond`, legacy `punch_back`). */
  readonly respond: boolean;
  /** Delay before the punches a punch notification asks for. */
  readonly delayMs: number;
}

/** A `tun.routes` entry: an MTU for part of the overlay network. */
export interface TunRoute {
  /** Destination network (inside the certificate network). */
  readonly route: Ipv4Net;
  /** MTU for it (>= 500). */
  readonly mtu: number;
}

/** A `tun.unsafe_routes` entry: a non-overlay network reached through an overlay host. */
export interface UnsafeRoute {
  /** Destination network (outside the certificate network). */
  readonly route: Ipv4Net;
  /** Overlay IP of the host that routes it. */
  readonly via: number;
  /** Route MTU; 0 when not given (or 0): none is set, the device MTU applies and the advertised MSS follows tun.mtu. */
  readonly mtu: number;
  /** Route metric, 0 when not given. */
  readonly metric: number;
  /** Install the kernel route (`install`, default true; a later-nebula key 1.6.1 ignores). */
  readonly install: boolean;
}

/** `tun`: the overlay interface. */
export interface TunConfig {
  /** Interface name; null = kernel-chosen. */
  readonly dev: string | null;
  /** Interface MTU. */
  readonly mtu: number;
  /** Transmit queue length. */
  readonly txQueue: number;
  /** Per-route MTUs inside the overlay. */
  readonly routes: readonly TunRoute[];
  /** Routes to non-overlay networks via overlay hosts. */
  readonly unsafeRoutes: readonly UnsafeRoute[];
  /** Run without a TUN device. */
  readonly disabled: boolean;
  /** Drop packets to the overlay broadcast address. */
  readonly dropLocalBroadcast: boolean;
  /** Drop multicast packets. */
  readonly dropMulticast: boolean;
}

/** `handshakes`: initiator retry policy. */
export interface HandshakesConfig {
  /** Base retry interval (linear backoff). */
  readonly tryIntervalMs: number;
  /** msg1 transmissions before giving up. */
  readonly retries: number;
  /** Queue depth of pending handshake triggers. */
  readonly triggerBuffer: number;
}

/** `timers`: liveness checking; nebula 1.6.1 reads whole seconds. */
export interface TimersConfig {
  /** `connection_alive_interval`. */
  readonly connectionAliveIntervalMs: number;
  /** `pending_deletion_interval`. */
  readonly pendingDeletionIntervalMs: number;
}

/** `firewall`: conntrack timeouts and rules (absent rules = nothing admitted). */
export interface FirewallConfig {
  /** Idle TCP flow lifetime. */
  readonly tcpTimeoutMs: number;
  /** Idle UDP flow lifetime. */
  readonly udpTimeoutMs: number;
  /** Idle lifetime of other flows. */
  readonly defaultTimeoutMs: number;
  /** Rules for packets to peers. */
  readonly outbound: readonly FirewallRule[];
  /** Rules for packets from peers. */
  readonly inbound: readonly FirewallRule[];
  /** `inbound_action`: what a refused packet from a peer gets (default drop). */
  readonly inboundAction: FirewallAction;
  /** `outbound_action`: what a refused packet from the TUN gets (default drop). */
  readonly outboundAction: FirewallAction;
}

/** Log levels nebula accepts (logrus), `warn` normalised to `warning`. */
export type LogLevel = 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'debug' | 'trace';

/** `logging`. */
export interface LoggingConfig {
  /** Minimum level logged. */
  readonly level: LogLevel;
  /** Line format. */
  readonly format: 'text' | 'json';
  /** Omit timestamps. */
  readonly disableTimestamp: boolean;
  /** Go time layout for timestamps; null = default. */
  readonly timestampFormat: string | null;
}

/** `relay` (docs/PROTOCOL.md "Relays"). */
export interface RelayConfig {
  /** Overlay IPs of relays for reaching us. */
  readonly relays: readonly number[];
  /** Act as a relay for other hosts. */
  readonly amRelay: boolean;
  /** Use relays to reach others. */
  readonly useRelays: boolean;
}

/** `tio`: tio's own switches (nebula ignores unknown sections, so this stays compatible). */
export interface TioConfig {
  /** TUN offloads: negotiate them ('auto') or not ('off'). */
  readonly offload: 'auto' | 'off';
  /** Coalesce received packets (GRO) before writing them to the TUN. */
  readonly gro: boolean;
  /** Yield the CPU right after a lone packet's write, so the task it woke runs first (`hand_off`). */
  readonly handOff: boolean;
  /** How TUN writes are issued: by kernel version ('auto'), writev, or one write() of a copy ('copy'). */
  readonly writeStrategy: 'auto' | 'writev' | 'copy';
  /** `status_interval` in ms: how often `tio up` logs a one-line status at info level; 0: never. */
  readonly statusIntervalMs: number;
}

/** `stats` with `type: prometheus`: where tio serves its metrics (docs/PROTOCOL.md "Metrics"). */
export interface StatsConfig {
  readonly type: 'prometheus';
  /** `interval` in ms (required by nebula; tio reads counters at scrape time, so it only gates the config). */
  readonly intervalMs: number;
  /** `listen`: address (null: every address) and port of the HTTP server. */
  readonly listen: { readonly host: string | null; readonly port: number };
  /** `path`: the URL path metrics are served at, e.g. "/metrics". */
  readonly path: string;
  /** `namespace` and `subsystem`: prefixes of every metric name, as Prometheus joins them. */
  readonly namespace: string;
  readonly subsystem: string;
}

/** A whole node configuration with every default applied. */
export interface NodeConfig {
  /** `pki`. */
  readonly pki: PkiConfig;
  /** `static_host_map`: overlay IP (u32) -> underlay endpoints, in config order. */
  readonly staticHostMap: ReadonlyMap<number, readonly UnderlayAddress[]>;
  /** `lighthouse`. */
  readonly lighthouse: LighthouseConfig;
  /** `listen`. */
  readonly listen: ListenConfig;
  /** `punchy` (+ legacy `punch_back`). */
  readonly punchy: PunchyConfig;
  /** `cipher`. */
  readonly cipher: 'aes' | 'chachapoly';
  /** `tun`. */
  readonly tun: TunConfig;
  /** Number of TUN queue / UDP socket pairs: top-level `routines`, else the larger of legacy `tun.routines`/`listen.routines`. */
  readonly routines: number;
  /** `handshakes`. */
  readonly handshakes: HandshakesConfig;
  /** `timers`. */
  readonly timers: TimersConfig;
  /** `firewall`. */
  readonly firewall: FirewallConfig;
  /** `logging`. */
  readonly logging: LoggingConfig;
  /** `relay`. */
  readonly relay: RelayConfig;
  /** `stats`; null when metrics are off. */
  readonly stats: StatsConfig | null;
  /** `tio`. */
  readonly tio: TioConfig;
}

/** Something in the config that was accepted but deserves attention (unknown key, unsupported feature). */
export interface ConfigWarning {
  /** Dotted key path it concerns. */
  readonly path: string;
  /** What and why. */
  readonly message: string;
}

/** The result of loading a config: the typed config and the warnings met on the way. */
export interface LoadedConfig {
  /** The configuration. */
  readonly config: NodeConfig;
  /** Unknown keys, ignored options, deprecated forms. */
  readonly warnings: readonly ConfigWarning[];
}
