/** tio: Linux TUN I/O with virtio-net offloads for Node.js. */
export * from './errors.js';
export * from './tun/index.js';
export * as packet from './packet/index.js';
export * as virtio from './virtio/index.js';
export * as gso from './gso/index.js';
export { Segmenter, segmentSuperpacket } from './gso/index.js';
export * as gro from './gro/index.js';
export { Coalescer, type CoalescerSink, type CoalescerOptions } from './gro/index.js';
