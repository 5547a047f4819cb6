// Test fixtures for segmentation: superpackets laid out by hand from RFC 791,
// RFC 8200, RFC 9293 and RFC 768, as a TUN read would hand them over (the L4
// checksum field holding the pseudo-header partial sum, NEEDS_CSUM style), and
// helpers that take the resulting segments apart. Only the reference checksum is used.
import { checksumReference } from '../src/packet/index.js';
import { Packet } from '../src/tun/packet.js';
import { ACK, pseudoSum as unfoldedPseudoSum, put16, put32 } from './packet.js';

/** virtio gso_type values (include/uapi/linux/virtio_net.h). */
export const GSO_TCPV4 = 1;
/** Legacy UFO. */
export const GSO_UDP = 3;
/** TCP over IPv6. */
export const GSO_TCPV6 = 4;
/** USO, either IP version. */
export const GSO_UDP_L4 = 5;
/** ECN bit of gso_type. */
export const GSO_ECN = 0x80;

/** TCP flag bits (RFC 9293, RFC 3168), shared with the coalescer fixtures. */
export { ACK, CWR, ECE, FIN, PSH, RST, SYN, URG } from './packet.js';

/** IPv6 extension header numbers usable in `ipv6Ext` (RFC 8200). */
export const EXT_HOP_BY_HOP = 0;
/** Routing header (type 0 layout with segments left 0, so the fixed destination is final). */
export const EXT_ROUTING = 43;
/** Destination options. */
export const EXT_DEST_OPTS = 60;

/** What to build. */
export interface SuperpacketSpec {
  version: 4 | 6;
  proto: 'tcp' | 'udp';
  /** Payload of the whole superpacket. */
  payload: Uint8Array;
  /** gso_size. */
  gsoSize: number;
  /** TCP flags (default ACK). */
  tcpFlags?: number;
  /** TCP option bytes; padded with NOPs to a multiple of 4. */
  tcpOptions?: Uint8Array;
  /** IPv4 option bytes; padded with NOPs to a multiple of 4. */
  ipv4Options?: Uint8Array;
  /** IPv6 extension headers in order: [type, length in 8-byte units (>= 1)]. */
  ipv6Ext?: readonly (readonly [number, number])[];
  /** TCP sequence number of the first byte (default 0x89abcdef). */
  seq?: number;
  /** IPv4 identification (default 0x1c46). */
  ipId?: number;
  /** Set the ECN bit of gso_type (TCP only). */
  gsoEcn?: boolean;
  /** Bytes in front of the packet inside its buffer (default 0). */
  lead?: number;
}

/** A built superpacket and where its parts are (offsets relative to the packet start). */
export interface Superpacket {
  packet: Packet;
  l4Off: number;
  hdrLen: number;
  /** The payload, copied (independent of the packet buffer). */
  payload: Uint8Array;
}

/** Source address used by IPv4 fixtures (198.18.0.0/15, benchmarking range). */
export const V4_SRC = [198, 18, 0, 1];
/** Destination address used by IPv4 fixtures. */
export const V4_DST = [198, 18, 7, 2];
/** Source address used by IPv6 fixtures (fd00::1:1). */
export const V6_SRC = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1];
/** Destination address used by IPv6 fixtures (fd00::7:2). */
export const V6_DST = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 2];

const NOP = 1; // TCP and IPv4 "no operation" option (RFC 9293, RFC 791)

function padded(opts: Uint8Array | undefined): Uint8Array {
  const n = opts ? opts.length : 0;
  const out = new Uint8Array((n + 3) & ~3).fill(NOP);
  if (opts) out.set(opts);
  return out;
}

/** Reads a big-endian u16 (independent of the code under test). */
export function get16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** Reads a big-endian u32. */
export function get32(b: Uint8Array, i: number): number {
  return ((get16(b, i) << 16) | get16(b, i + 2)) >>> 0;
}

/** Folded sum of the pseudo-header of the IP packet b with L4 length l4Len (RFC 793 / RFC 8200 section 8.1): packet.ts's sum, folded to 16 bits. */
export function pseudoSum(b: Uint8Array, protoNum: number, l4Len: number): number {
  let s = unfoldedPseudoSum(b, protoNum, l4Len);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** Builds the superpacket: a Packet with gso info as Queue.read attaches it. */
export function buildSuperpacket(spec: SuperpacketSpec): Superpacket {
  const tcp = spec.proto === 'tcp';
  const protoNum = tcp ? 6 : 17;
  const ipOpts = spec.version === 4 ? padded(spec.ipv4Options) : new Uint8Array(0);
  const ext = spec.version === 6 ? (spec.ipv6Ext ?? []) : [];
  const extLen = ext.reduce((n, [, units]) => n + units * 8, 0);
  const ipLen = spec.version === 4 ? 20 + ipOpts.length : 40 + extLen;
  const tcpOpts = tcp ? padded(spec.tcpOptions) : new Uint8Array(0);
  const l4HdrLen = tcp ? 20 + tcpOpts.length : 8;
  const hdrLen = ipLen + l4HdrLen;
  const len = hdrLen + spec.payload.length;
  const lead = spec.lead ?? 0;
  const buf = Buffer.alloc(lead + len + 7, 0xee);
  const b = buf.subarray(lead, lead + len);
  b.fill(0, 0, hdrLen);

  if (spec.version === 4) {
    b[0] = 0x40 | (ipLen / 4);
    b[1] = 0x02; // ECT(0) in the ToS byte, to see it copied
    put16(b, 2, len);
    put16(b, 4, spec.ipId ?? 0x1c46);
    put16(b, 6, 0x4000); // DF
    b[8] = 64;
    b[9] = protoNum;
    b.set(V4_SRC, 12);
    b.set(V4_DST, 16);
    b.set(ipOpts, 20);
    put16(b, 10, ~checksumReference(b, 0, ipLen) & 0xffff);
  } else {
    b[0] = 0x60;
    b[1] = 0x0a; // flow label bits, to see them copied
    put16(b, 4, len - 40);
    b[6] = ext.length > 0 ? ext[0]![0] : protoNum;
    b[7] = 64;
    b.set(V6_SRC, 8);
    b.set(V6_DST, 24);
    let p = 40;
    ext.forEach(([type, units], k) => {
      b[p] = k + 1 < ext.length ? ext[k + 1]![0] : protoNum;
      b[p + 1] = units - 1;
      if (type === EXT_ROUTING) {
        b[p + 2] = 0; // routing type
        b[p + 3] = 0; // segments left: the fixed header's destination is the final one
      } else {
        // One PadN option filling the rest (RFC 8200 section 4.2).
        b[p + 2] = 1;
        b[p + 3] = units * 8 - 4;
      }
      p += units * 8;
    });
  }

  const l4 = ipLen;
  put16(b, l4, 40000);
  put16(b, l4 + 2, 443);
  if (tcp) {
    put32(b, l4 + 4, spec.seq ?? 0x89abcdef);
    put32(b, l4 + 8, 0x01020304);
    b[l4 + 12] = (l4HdrLen / 4) << 4;
    b[l4 + 13] = spec.tcpFlags ?? ACK;
    put16(b, l4 + 14, 502);
    put16(b, l4 + 18, 0x1234); // urgent pointer, copied as is
    b.set(tcpOpts, l4 + 20);
  } else {
    put16(b, l4 + 4, len - l4);
  }
  b.set(spec.payload, hdrLen);
  // NEEDS_CSUM: the field holds the folded pseudo-header sum, the rest is left to the receiver.
  put16(b, l4 + (tcp ? 16 : 6), pseudoSum(b, protoNum, len - l4));

  const packet = new Packet(buf, lead, len);
  const g = packet.setGso();
  g.size = spec.gsoSize;
  g.hdrLen = hdrLen;
  g.csumStart = l4;
  g.csumOffset = tcp ? 16 : 6;
  g.proto = spec.proto;
  g.gsoType = (tcp ? (spec.version === 4 ? GSO_TCPV4 : GSO_TCPV6) : GSO_UDP_L4) | (spec.gsoEcn ? GSO_ECN : 0);
  return { packet, l4Off: l4, hdrLen, payload: Uint8Array.from(spec.payload) };
}

/** n bytes of a simple deterministic pattern. */
export function patternPayload(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Result of running a segmenter and copying out every segment. */
export interface Collected {
  /** segment()'s return value. */
  result: number;
  /** Copies of the segments, in order. */
  segments: Buffer[];
}

/** Runs `segment` on p and copies each segment out (the callback's view dies with the call). */
export function collect(segment: (p: Packet, cb: (buf: Buffer, off: number, len: number) => void) => number, p: Packet): Collected {
  const segments: Buffer[] = [];
  const result = segment(p, (buf, off, len) => {
    segments.push(Buffer.from(buf.subarray(off, off + len)));
  });
  return { result, segments };
}

/** Concatenation of the payloads (bytes after hdrLen) of the segments. */
export function joinedPayload(segments: readonly Buffer[], hdrLen: number): Buffer {
  return Buffer.concat(segments.map((s) => s.subarray(hdrLen)));
}
