// struct virtio_net_hdr (include/uapi/linux/virtio_net.h) as a plain object.
import { readHostU16, writeHostU16 } from './host-order.js';

// Field offsets in struct virtio_net_hdr (include/uapi/linux/virtio_net.h).
const FLAGS = 0;
const GSO_TYPE = 1;
const HDR_LEN = 2;
const GSO_SIZE = 4;
const CSUM_START = 6;
const CSUM_OFFSET = 8;

/** Decoded virtio_net_hdr; offsets are relative to the start of the IP packet. */
export interface VirtioNetHdr {
  /** VIRTIO_NET_HDR_F_* bits. */
  flags: number;
  /** VIRTIO_NET_HDR_GSO_* type, possibly with the ECN bit. */
  gsoType: number;
  /** Claimed header length; untrustworthy on read, see correctHdrLen. */
  hdrLen: number;
  /** Payload bytes per segment of a superpacket. */
  gsoSize: number;
  /** Where checksumming starts (the L4 header). */
  csumStart: number;
  /** Offset of the checksum field from csumStart (16 TCP, 6 UDP). */
  csumOffset: number;
}

/** A zeroed header, to be reused as `out` for decodeHeader. */
export function newHeader(): VirtioNetHdr {
  return { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 };
}

/** Decodes the 10-byte header at buf[off] into `out` and returns `out`. */
export function decodeHeader(buf: Uint8Array, off: number, out: VirtioNetHdr): VirtioNetHdr {
  out.flags = buf[off + FLAGS];
  out.gsoType = buf[off + GSO_TYPE];
  out.hdrLen = readHostU16(buf, off + HDR_LEN);
  out.gsoSize = readHostU16(buf, off + GSO_SIZE);
  out.csumStart = readHostU16(buf, off + CSUM_START);
  out.csumOffset = readHostU16(buf, off + CSUM_OFFSET);
  return out;
}

/** Encodes `h` as the 10-byte header at buf[off]. */
export function encodeHeader(h: VirtioNetHdr, buf: Uint8Array, off: number): void {
  buf[off + FLAGS] = h.flags;
  buf[off + GSO_TYPE] = h.gsoType;
  writeHostU16(buf, off + HDR_LEN, h.hdrLen);
  writeHostU16(buf, off + GSO_SIZE, h.gsoSize);
  writeHostU16(buf, off + CSUM_START, h.csumStart);
  writeHostU16(buf, off + CSUM_OFFSET, h.csumOffset);
}
