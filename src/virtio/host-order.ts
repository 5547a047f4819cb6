// virtio_net_hdr u16 fields are in the host's byte order on a legacy (TUN) device.
import { HOST_LITTLE_ENDIAN } from '../packet/index.js';

/** Reads a host-order u16 at buf[i]. */
export function readHostU16(buf: Uint8Array, i: number): number {
  return HOST_LITTLE_ENDIAN ? buf[i] | (buf[i + 1] << 8) : (buf[i] << 8) | buf[i + 1];
}

/** Writes the low 16 bits of v in host order at buf[i]. */
export function writeHostU16(buf: Uint8Array, i: number, v: number): void {
  if (HOST_LITTLE_ENDIAN) {
    buf[i] = v;
    buf[i + 1] = v >>> 8;
  } else {
    buf[i] = v >>> 8;
    buf[i + 1] = v;
  }
}
