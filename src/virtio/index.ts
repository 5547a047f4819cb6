// The virtio layer: virtio_net_hdr encode/decode and the checks applied to received packets.
export * from './constants.js';
export * from './finish-checksum.js';
export * from './gso-type.js';
export * from './hdr-len.js';
export * from './header.js';
export * from './host-order.js';
export * from './reject.js';
export * from './validate.js';
