// What one TUN read's virtio-net header means for its packet: the checks that
// drop it, the checksum the kernel left for us to finish, and, for a
// superpacket, the geometry segmentation needs. Queue runs it per read; the
// fuzz suite runs the same code with a finisher that also checks its work.
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, checkValid, correctHdrLen, correctHdrLenReason, finishChecksum,
  gsoProto, type VirtioNetHdr,
} from '../virtio/index.js';
import type { DropReason } from './counters.js';
import type { Packet } from './packet.js';

/** Completes a NEEDS_CSUM checksum in buf[off, +len); false if the offsets do not fit (finishChecksum's contract). */
export type ChecksumFinisher = (buf: Uint8Array, off: number, len: number, csumStart: number, csumOffset: number) => boolean;

/**
 * Applies header h to the packet at p.buf[p.off, +p.len) (p.len > 0, p.gso
 * null): a drop reason, or null, with p.gso set when it is a superpacket.
 */
export function applyVnetHeader(h: VirtioNetHdr, p: Packet, finish: ChecksumFinisher = finishChecksum): DropReason | null {
  const buf = p.buf;
  const reason = checkValid(h, buf, p.off, p.len);
  if (reason !== null) return reason;
  if (h.gsoType === VIRTIO_NET_HDR_GSO_NONE) {
    if (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM && !finish(buf, p.off, p.len, h.csumStart, h.csumOffset)) return 'bad-csum-start';
    return null;
  }
  const hdrLen = correctHdrLen(h, buf, p.off, p.len);
  if (hdrLen < 0) return correctHdrLenReason(h, buf, p.off, p.len) ?? 'bad-l4-header';
  const g = p.setGso();
  g.size = h.gsoSize;
  g.hdrLen = hdrLen;
  g.csumStart = h.csumStart;
  g.csumOffset = h.csumOffset;
  g.proto = gsoProto(h.gsoType) ?? 'tcp';
  g.gsoType = h.gsoType;
  return null;
}
