// The packet layer: IPv4/IPv6/TCP/UDP field access, the Internet checksum, gathering copies, reject packets
// and the light-first order of a batch.
export * from './bytes.js';
export * from './checksum.js';
export * from './flow-hash.js';
export * from './gather.js';
export * from './host-endian.js';
export * from './ip.js';
export * from './ipv4.js';
export * from './ipv6.js';
export * from './light-first.js';
export * from './reject-packet.js';
export * from './tcp.js';
export * from './udp.js';
