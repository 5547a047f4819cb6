// Test packets built field by field from RFC 791, RFC 8200, RFC 9293, RFC 768
// and RFC 792 (ICMP echo) with checksums from the plain RFC 1071 reference sum
// (never the fast path under test): IPv4/IPv6 TCP and UDP packets and streams
// of them for the coalescer, segmenter and node tests, and ICMP echo requests
// the kernel answers.
import { checksumReference } from '../src/packet/index.js';
import { seededBytes } from './random.js';

/** TCP flag bits (RFC 9293, RFC 3168). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;
export const ECE = 0x40;
export const CWR = 0x80;

/** ECN codepoints in the low two bits of ToS / traffic class (RFC 3168). */
export const ECT1 = 0x01;
export const ECT0 = 0x02;
export const CE = 0x03;

/** Everything a test may vary; defaults give a plain ACK segment of flow 198.18.0.1:40000 -> 198.18.0.2:443. */
export interface Spec {
  version: 4 | 6;
  proto?: 'tcp' | 'udp';
  /** Payload bytes, or a length filled with bytes derived from `fill`. */
  payload?: Uint8Array | number;
  /** Seed for generated payload bytes (defaults to seq). */
  fill?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  /** Raw TCP option bytes; padded with NOP (1) to a multiple of 4. */
  tcpOptions?: number[];
  sport?: number;
  dport?: number;
  /** Last byte of the source address (flows differ by it). */
  srcHost?: number;
  /** IPv4 only: source address as a dotted quad, replacing 198.18.0.<srcHost>. */
  src?: string;
  /** IPv4 only: destination address as a dotted quad, replacing 198.18.0.2. */
  dst?: string;
  id?: number;
  df?: boolean;
  tos?: number;
  ttl?: number;
  /** IPv6 flow label (20 bits). */
  flowLabel?: number;
  /** IPv4 option bytes (multiple of 4, NOPs), making IHL > 5. */
  ipOptionsLen?: number;
  /** IPv4 More Fragments flag. */
  mf?: boolean;
  /** IPv4 fragment offset in 8-byte units. */
  fragOffset?: number;
  /** IPv6: put an 8-byte destination options header before the L4 header. */
  v6DestOpts?: boolean;
  /** Leave the UDP checksum 0 (IPv4 "no checksum"). */
  udpNoChecksum?: boolean;
  /** Leave the TCP checksum 0 (a probe whose L4 checksum the code under test never reads). */
  tcpNoChecksum?: boolean;
}

/** Writes v as a big-endian u16 at b[i] (independent of the code under test). */
export function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}

/** Writes v as a big-endian u32 at b[i]. */
export function put32(b: Uint8Array, i: number, v: number): void {
  put16(b, i, (v >>> 16) & 0xffff);
  put16(b, i + 2, v & 0xffff);
}

/** The four bytes of a dotted-quad IPv4 address. */
function quad(text: string): number[] {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new Error(`build: bad IPv4 address ${JSON.stringify(text)}`);
  return parts;
}

/** Deterministic payload bytes: what `Spec.payload` as a number produces. */
export function payloadBytes(n: number, fill: number): Uint8Array {
  // Spread small fills over the seed space (Knuth's multiplicative hash constant).
  return seededBytes(n, (fill * 2654435761) >>> 0);
}

/** Builds the packet with valid IPv4 header and L4 checksums. */
export function build(s: Spec): Buffer {
  const tcp = (s.proto ?? 'tcp') === 'tcp';
  const seq = s.seq ?? 1000;
  const payload = s.payload instanceof Uint8Array ? s.payload : payloadBytes(s.payload ?? 0, s.fill ?? seq);
  const opts = s.tcpOptions ?? [];
  const optLen = (opts.length + 3) & ~3;
  const l4HdrLen = tcp ? 20 + optLen : 8;
  const extLen = s.version === 6 && s.v6DestOpts ? 8 : 0;
  const ipHdrLen = s.version === 4 ? 20 + (s.ipOptionsLen ?? 0) : 40 + extLen;
  const l4Len = l4HdrLen + payload.length;
  if (s.version === 6 && (s.src !== undefined || s.dst !== undefined)) throw new Error('build: src/dst are IPv4 dotted quads only');
  const b = Buffer.alloc(ipHdrLen + l4Len);
  const protoNum = tcp ? 6 : 17;
  if (s.version === 4) {
    b[0] = 0x40 | (ipHdrLen >>> 2);
    b[1] = s.tos ?? 0;
    put16(b, 2, b.length);
    put16(b, 4, s.id ?? 0x1c46);
    put16(b, 6, ((s.df ?? true) ? 0x4000 : 0) | (s.mf ? 0x2000 : 0) | (s.fragOffset ?? 0));
    b[8] = s.ttl ?? 64;
    b[9] = protoNum;
    b.set(s.src === undefined ? [198, 18, 0, s.srcHost ?? 1] : quad(s.src), 12);
    b.set(s.dst === undefined ? [198, 18, 0, 2] : quad(s.dst), 16);
    b.fill(1, 20, ipHdrLen);
    put16(b, 10, ~checksumReference(b, 0, ipHdrLen) & 0xffff);
  } else {
    const tc = s.tos ?? 0;
    const fl = s.flowLabel ?? 0;
    put32(b, 0, ((6 << 28) | (tc << 20) | fl) >>> 0);
    put16(b, 4, b.length - 40);
    b[6] = extLen ? 60 : protoNum;
    b[7] = s.ttl ?? 64;
    b.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s.srcHost ?? 1], 8);
    b.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 24);
    if (extLen) {
      // Destination options (RFC 8200 4.6): next header, length 0 (8 bytes), PadN filling the rest.
      b[40] = protoNum;
      b[41] = 0;
      b[42] = 1;
      b[43] = 4;
    }
  }
  const l4 = ipHdrLen;
  put16(b, l4, s.sport ?? 40000);
  put16(b, l4 + 2, s.dport ?? 443);
  if (tcp) {
    put32(b, l4 + 4, seq >>> 0);
    put32(b, l4 + 8, (s.ack ?? 0x01020304) >>> 0);
    b[l4 + 12] = (l4HdrLen >>> 2) << 4;
    b[l4 + 13] = s.flags ?? ACK;
    put16(b, l4 + 14, s.window ?? 502);
    b.fill(1, l4 + 20, l4 + l4HdrLen);
    b.set(opts, l4 + 20);
  } else {
    put16(b, l4 + 4, l4Len);
  }
  b.set(payload, l4 + l4HdrLen);
  if (!(tcp ? s.tcpNoChecksum : s.udpNoChecksum)) {
    const csumAt = l4 + (tcp ? 16 : 6);
    let c = ~checksumReference(b, l4, l4Len, pseudoSum(b, protoNum, l4Len)) & 0xffff;
    if (c === 0 && !tcp) c = 0xffff;
    put16(b, csumAt, c);
  }
  return b;
}

/** Unfolded pseudo-header sum (RFC 793 / RFC 8200 section 8.1) of the packet at offset 0. */
export function pseudoSum(b: Uint8Array, proto: number, l4Len: number): number {
  const addrs = b[0]! >>> 4 === 4 ? checksumReference(b, 12, 8) : checksumReference(b, 8, 32);
  return addrs + proto + (l4Len >>> 16) + (l4Len & 0xffff);
}

/** IP + L4 header length of a built lane packet (no options, no extension headers). */
export function headerLen(b: Uint8Array): number {
  const ip = b[0]! >>> 4 === 4 ? (b[0]! & 0x0f) * 4 : 40;
  const proto = b[0]! >>> 4 === 4 ? b[9] : b[6];
  return ip + (proto === 6 ? (b[ip + 12]! >>> 4) * 4 : 8);
}

/** Payload bytes of a built lane packet. */
export function payloadOf(b: Buffer): Buffer {
  return b.subarray(headerLen(b));
}

/**
 * A run of `n` contiguous segments of `size` payload bytes: seq advances by
 * the payload, IPv4 ids run from `spec.id`. `spec` applies to all of them.
 */
export function stream(spec: Spec, n: number, size: number): Buffer[] {
  const out: Buffer[] = [];
  const seq0 = spec.seq ?? 1000;
  const id0 = spec.id ?? 0x1c46;
  for (let i = 0; i < n; i++) {
    out.push(build({ ...spec, payload: size, seq: (seq0 + i * size) >>> 0, id: (id0 + i) & 0xffff }));
  }
  return out;
}

// ICMP echo: a valid packet the kernel answers, to prove a queue still works
// after it refused bad input.

function finish(sum: number): number {
  return ~sum & 0xffff;
}

/** An IPv4 ICMP echo request src -> dst (dotted quads) with a payloadLen-byte payload (default 16). */
export function icmpEchoV4(src: string, dst: string, id: number, seq: number, payloadLen = 16): Buffer {
  const p = Buffer.alloc(20 + 8 + payloadLen);
  p[0] = 0x45;
  p.writeUInt16BE(p.length, 2);
  p.writeUInt16BE(0x4000, 6); // DF
  p[8] = 64;
  p[9] = 1; // ICMP
  Buffer.from(src.split('.').map(Number)).copy(p, 12);
  Buffer.from(dst.split('.').map(Number)).copy(p, 16);
  p.writeUInt16BE(finish(checksumReference(p, 0, 20)), 10);
  p[20] = 8; // echo request
  p.writeUInt16BE(id, 24);
  p.writeUInt16BE(seq, 26);
  p.fill(0xa5, 28);
  p.writeUInt16BE(finish(checksumReference(p, 20, p.length - 20)), 22);
  return p;
}

/** True when buf[off, off+len) is an IPv4 ICMP echo reply with this id and seq. */
export function isEchoReplyV4(buf: Uint8Array, off: number, len: number, id: number, seq: number): boolean {
  if (len < 28 || buf[off]! >>> 4 !== 4 || buf[off + 9] !== 1) return false;
  const icmp = off + (buf[off]! & 0x0f) * 4;
  return buf[icmp] === 0 && ((buf[icmp + 4]! << 8) | buf[icmp + 5]!) === id && ((buf[icmp + 6]! << 8) | buf[icmp + 7]!) === seq;
}
