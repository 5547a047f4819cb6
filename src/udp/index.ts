/** The UDP transport (sendmmsg/recvmmsg, UDP GSO/GRO): an I/O layer beside tun/, used by the overlay node. */
export { UdpSocket } from './socket.js';
export type { UdpSocketOptions } from './options.js';
export { DEFAULT_BUFFER_BYTES } from './options.js';
export { UdpBatch } from './batch.js';
export { SendBatch, DEFAULT_SEND_BATCH } from './send-batch.js';
export { Endpoint } from './endpoint.js';
export { EndpointCache, DEFAULT_ENDPOINT_CACHE_SIZE } from './endpoint-cache.js';
export { UDP_COUNTER_KEYS, type UdpStats } from './counters.js';
export { BadAddressError, UdpBindError, UdpSendError } from './errors.js';
export {
  SOCKADDR_SLOT_BYTES, UDP_MAX_SEGMENTS, MAX_UDP_PAYLOAD_V4, MAX_UDP_PAYLOAD_V6, GRO_SLOT_BYTES,
} from './constants.js';
export {
  encodeSockaddr, decodeSockaddr, sockaddrEquals, sockaddrFamily, sockaddrHash, sockaddrPort, type SockaddrParts,
} from './sockaddr.js';
export { formatIpv4, formatIpv6 } from '../packet/ip-text.js';
export { maxGsoBytes, maxUdpPayload } from './limits.js';
