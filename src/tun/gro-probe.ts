/**
 * Startup probe of GSO writes: some LTS kernels refuse coalesced TCP writes
 * into TUN with EINVAL; finding out once at open lets the coalescer fall back
 * to plain writes instead of failing every flush.
 */
import { IPPROTO_TCP, fold, ipv4HeaderChecksumUpdate, pseudoHeaderSumV4, writeU16BE } from '../packet/index.js';
import { VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, encodeHeader, newHeader } from '../virtio/index.js';
import type { Queue } from './queue.js';

/** Outcome of the probe: accepted, refused by the kernel (errno), or not tried (device down). */
export type GroProbeResult = { ok: true } | { ok: false; errno: number };

// Two 1-byte TCP segments from 0.0.0.0 to 127.0.0.1 with TTL 0: the kernel
// validates the virtio header at write time, then drops the packet as a martian
// (no ICMP is ever sent for martians), so the probe cannot leave the host.
function probePacket(): { hdr: Buffer; pkt: Buffer } {
  const pkt = Buffer.alloc(20 + 20 + 2);
  pkt[0] = 0x45;
  pkt.writeUInt16BE(pkt.length, 2);
  pkt.writeUInt16BE(0x4000, 6);
  pkt[8] = 0; // TTL 0
  pkt[9] = IPPROTO_TCP;
  pkt.set([127, 0, 0, 1], 16);
  ipv4HeaderChecksumUpdate(pkt, 0);
  pkt.writeUInt16BE(9, 20);
  pkt.writeUInt16BE(9, 22);
  pkt[32] = 5 << 4;
  pkt[33] = 0x10; // ACK
  pkt.writeUInt16BE(1024, 34);
  writeU16BE(pkt, 36, fold(pseudoHeaderSumV4(pkt, 0, IPPROTO_TCP, 22)));
  const h = newHeader();
  h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
  h.gsoType = VIRTIO_NET_HDR_GSO_TCPV4;
  h.hdrLen = 40;
  h.gsoSize = 1;
  h.csumStart = 20;
  h.csumOffset = 16;
  const hdr = Buffer.alloc(10);
  encodeHeader(h, hdr, 0);
  return { hdr, pkt };
}

/** Writes the probe superpacket to `q` (a queue of a TSO device), under the queue's write strategy. */
export function probeGroWrite(q: Queue): GroProbeResult {
  const { hdr, pkt } = probePacket();
  const r = q.probeWrite(hdr, pkt, 0, pkt.length);
  return r >= 0 ? { ok: true } : { ok: false, errno: -r };
}
