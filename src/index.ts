/**
 * tio: Linux TUN I/O with virtio-net offloads for Node.js.
 *
 * The public API of the package's main entry point ("tio"): every name here is
 * semver surface and is listed with its type in docs/api/tio.api.md (kept in step
 * by `npm run api:report`, checked by test/api/report.test.ts). Anything not
 * exported here is internal and may change in any release. See docs/api/README.md.
 */

// Errors: every error tio throws is a TioError with a stable `code`.
export {
  TioError, PermissionDeniedError, NoTunDeviceError, NameBusyError, OffloadRefusedError, OffloadUnavailableError,
  ClosedError, GeometryError, BadPacketError, LinkDownError, OptionError, BusyError, ShortWriteError, SyscallError,
  RouteExistsError, RouteRefusedError,
} from './errors.js';

// TUN devices and their queues.
export {
  TunDevice, Queue, Packet, MAX_BATCH, DEFAULT_RX_BUFFER, DROP_REASONS, MAX_GSO_BYTES, MAX_GSO_IOVECS, MAX_QUEUES, MAX_IFNAME,
  type TunOpenOptions, type QueueHandle, type GsoInfo, type DropReason, type QueueStats, type Capabilities,
  type OffloadOption, type GsoWriteProto, type WriteStrategy, type InterfaceAddress, type RouteOptions,
} from './tun/index.js';
export { inNetns } from './io/netns.js';
export { waitInJavaScript } from './io/loop-wait.js';

// Software segmentation (GSO) and coalescing (GRO).
export { Segmenter, segmentSuperpacket, SegmenterBusyError, type SegmentSink } from './gso/index.js';
export {
  Coalescer, CoalescerBusyError, DEFAULT_MAX_FLOWS, MAX_FLOWS_LIMIT, MAX_CHAIN_BYTES, MAX_CHAIN_SEGMENTS,
  type CoalescerOptions, type CoalescerSink, type CoalescerStats,
} from './gro/index.js';

// Packet helpers. Public because Queue hands out raw IP packets: a user routes or filters
// on version, protocol and L4 offset (l4Info walks IPv6 extension headers), fixes checksums
// after rewriting a header (RFC 1071 sums), and builds the ICMP reject that Queue.writeReject
// writes. They are the allocation-free helpers tio's own data path uses.
export { ipVersion, l4Info, type L4Info } from './packet/ip.js';
export { IPPROTO_TCP } from './packet/tcp.js';
export { IPPROTO_UDP } from './packet/udp.js';
export { IPPROTO_ICMP, IPPROTO_ICMPV6, REJECT_MAX_LEN, buildRejectPacket } from './packet/reject-packet.js';
export { sum16 as checksumSum, finish as checksumFinish, pseudoHeaderSumV4, pseudoHeaderSumV6 } from './packet/checksum.js';
