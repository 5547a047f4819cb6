// Defaults of nebula 1.6.1 for every key tio reads (docs/PROTOCOL.md "Config keys and defaults", from the 1.6.1 source),
// plus the bounds tio enforces where nebula silently falls back to a default instead.

/** `lighthouse.interval`: 10 s (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_LIGHTHOUSE_INTERVAL_MS = 10_000;
/** `listen.host`: all IPv4 addresses (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_LISTEN_HOST = '0.0.0.0';
/** `listen.port`: 0, a kernel-chosen port (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_LISTEN_PORT = 0;
/** `listen.batch`: 64 datagrams per receive (nebula 1.6.1 udp_linux.go). */
export const DEFAULT_LISTEN_BATCH = 64;
/** Largest `listen.batch` tio takes: the messages one recvmmsg call fills (src/udp constants RECV_BATCH_MAX). */
export const LISTEN_BATCH_MAX = 64;
/** `listen.send_recv_error`: always (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_SEND_RECV_ERROR = 'always';
/** `punchy.delay`: 1 s (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_PUNCHY_DELAY_MS = 1000;
/** `cipher`: aes, i.e. AES-256-GCM (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_CIPHER = 'aes';
/** `tun.mtu`: 1300 (docs/PROTOCOL.md "Config keys and defaults", nebula overlay.DefaultMTU). */
export const DEFAULT_TUN_MTU = 1300;
/** `tun.tx_queue`: 500 (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_TUN_TX_QUEUE = 500;
/** `routines`: 1 queue pair (nebula 1.6.1 main.go). */
export const DEFAULT_ROUTINES = 1;
/** `handshakes.try_interval`: 100 ms (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_HANDSHAKE_TRY_INTERVAL_MS = 100;
/** `handshakes.retries`: 10 (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_HANDSHAKE_RETRIES = 10;
/** `handshakes.trigger_buffer`: 64 (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_HANDSHAKE_TRIGGER_BUFFER = 64;
/** `timers.connection_alive_interval`: 5 s (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_CONNECTION_ALIVE_INTERVAL_MS = 5000;
/** `timers.pending_deletion_interval`: 10 s (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_PENDING_DELETION_INTERVAL_MS = 10_000;
/** `logging.level`: info (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_LOG_LEVEL = 'info';
/** `logging.format`: text (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_LOG_FORMAT = 'text';
/** `relay.use_relays`: true (docs/PROTOCOL.md "Config keys and defaults", nebula DefaultUseRelays). */
export const DEFAULT_USE_RELAYS = true;
/** `tio.offload`: negotiate offloads, falling back when refused (docs/OFFLOADS.md "Offload negotiation"). */
export const DEFAULT_TIO_OFFLOAD = 'auto';
/** `tio.gro`: coalesce received packets (docs/OFFLOADS.md "Coalescing"). */
export const DEFAULT_TIO_GRO = true;
/** `tio.hand_off`: yield the CPU after a lone packet's write (docs/LATENCY.md "Handing off the CPU"). */
export const DEFAULT_TIO_HAND_OFF = true;
/** `tio.write_strategy`: by kernel version, `copy` before Linux 5.4 (src/tun/write-strategy.ts). */
export const DEFAULT_TIO_WRITE_STRATEGY = 'auto';
/**
 * `tio.status_interval`: one status line a minute (docs/PROTOCOL.md "Metrics"): 1440 short lines a
 * day is little beside nebula's own logging, yet shows a stalled tunnel or a burst of drops
 * within a minute; a scraper wanting finer figures has the metrics.
 */
export const DEFAULT_TIO_STATUS_INTERVAL_MS = 60_000;

/** Smallest and largest interface MTU (RFC 791 minimum 68; 16-bit IP length), as the TUN layer enforces. */
export const MTU_MIN = 68;
/** See MTU_MIN. */
export const MTU_MAX = 65535;
/** Smallest MTU nebula accepts in tun.routes / tun.unsafe_routes (nebula overlay/route.go). */
export const ROUTE_MTU_MIN = 500;
/**
 * Largest tun.mtu whose packets still fit nebula's 9001-byte receive buffer once the 32 bytes of
 * header and tag are added (docs/PROTOCOL.md "Numbers at a glance"); larger values only earn a warning.
 */
export const MTU_NEBULA_SAFE_MAX = 9001 - 32;
/** Longest interface name: IFNAMSIZ (16) minus the terminating NUL (linux/if.h). */
export const IFNAME_MAX = 15;
/** Largest signed 32-bit value, the bound nebula uses for metrics and Go ints on 32-bit platforms. */
export const INT32_MAX = 2147483647;
