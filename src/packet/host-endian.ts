import { endianness } from 'node:os';

/** True when the CPU stores multi-byte integers little-endian (typed array views and virtio_net_hdr follow it). */
export const HOST_LITTLE_ENDIAN: boolean = endianness() === 'LE';
