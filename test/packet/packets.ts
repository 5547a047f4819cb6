// Test fixtures: deterministic random bytes and hand-built IPv4/IPv6 TCP/UDP packets.
// Layouts follow RFC 791, RFC 8200, RFC 9293 and RFC 768 directly, without the code under test.
import { put16 } from '../../kit/packet.js';
import { xorshift32 } from '../../kit/random.js';

/** Deterministic xorshift32 generator returning integers in [1, 2^32). */
export const makeRng: (seed: number) => () => number = xorshift32;

/** n deterministic random bytes. */
export function randomBytes(rng: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng() & 0xff;
  return out;
}

/** Source address used by IPv4 fixtures (198.18.0.0/15, benchmarking range). */
export const V4_SRC = [198, 18, 0, 1];
/** Destination address used by IPv4 fixtures. */
export const V4_DST = [198, 18, 0, 2];
/** Source address used by IPv6 fixtures (fd00::1). */
export const V6_SRC = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
/** Destination address used by IPv6 fixtures (fd00::2). */
export const V6_DST = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

/** What to build. */
export interface PacketSpec {
  version: 4 | 6;
  /** 6 TCP or 17 UDP. */
  proto: 6 | 17;
  payload: Uint8Array;
  /** Bytes of TCP options (multiple of 4), filled with NOPs. */
  tcpOptionsLen?: number;
}

/** A built packet and where its parts are. */
export interface BuiltPacket {
  bytes: Uint8Array;
  ipHdrLen: number;
  l4HdrLen: number;
}

/** Builds an IP packet with zero IP and L4 checksums (IPv4 header checksum is left 0 too). */
export function buildPacket(spec: PacketSpec): BuiltPacket {
  const ipHdrLen = spec.version === 4 ? 20 : 40;
  const l4HdrLen = spec.proto === 6 ? 20 + (spec.tcpOptionsLen ?? 0) : 8;
  const l4Len = l4HdrLen + spec.payload.length;
  const b = new Uint8Array(ipHdrLen + l4Len);
  if (spec.version === 4) {
    b[0] = 0x45;
    put16(b, 2, b.length);
    put16(b, 4, 0x1c46);
    put16(b, 6, 0x4000);
    b[8] = 64;
    b[9] = spec.proto;
    b.set(V4_SRC, 12);
    b.set(V4_DST, 16);
  } else {
    b[0] = 0x60;
    put16(b, 4, l4Len);
    b[6] = spec.proto;
    b[7] = 64;
    b.set(V6_SRC, 8);
    b.set(V6_DST, 24);
  }
  const l4 = ipHdrLen;
  put16(b, l4, 40000);
  put16(b, l4 + 2, 443);
  if (spec.proto === 6) {
    b.set([0x89, 0xab, 0xcd, 0xef], l4 + 4);
    b.set([0x01, 0x02, 0x03, 0x04], l4 + 8);
    b[l4 + 12] = (l4HdrLen / 4) << 4;
    b[l4 + 13] = 0x18;
    put16(b, l4 + 14, 502);
    b.fill(1, l4 + 20, l4 + l4HdrLen);
  } else {
    put16(b, l4 + 4, l4Len);
  }
  b.set(spec.payload, ipHdrLen + l4HdrLen);
  return { bytes: b, ipHdrLen, l4HdrLen };
}

/** The pseudo-header bytes of RFC 793/768 (IPv4) or RFC 8200 section 8.1 (IPv6) for a built packet. */
export function pseudoHeaderBytes(p: BuiltPacket): Uint8Array {
  const b = p.bytes;
  const l4Len = b.length - p.ipHdrLen;
  const proto = b[0] >>> 4 === 4 ? b[9] : b[6];
  if (b[0] >>> 4 === 4) {
    const ph = new Uint8Array(12);
    ph.set(b.subarray(12, 20), 0);
    ph[9] = proto;
    put16(ph, 10, l4Len);
    return ph;
  }
  const ph = new Uint8Array(40);
  ph.set(b.subarray(8, 40), 0);
  put16(ph, 34, l4Len);
  ph[39] = proto;
  return ph;
}
