// buildRejectPacket: what a refused packet is answered with (RFC 9293 3.10.7.1 reset numbering,
// RFC 792 / RFC 4443 destination unreachable with the quoted original), checked against packets
// built here by hand and checksums verified with the RFC 1071 reference sum.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { REJECT_MAX_LEN, buildRejectPacket, checksumReference } from '../../src/packet/index.js';
import { ipv4HeaderVerifies, l4ChecksumVerifies } from '../helpers/checksum.js';

const A4 = [198, 19, 0, 1];
const B4 = [198, 19, 0, 2];
const A6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const B6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const PSH = 0x08;
const ACK = 0x10;

function u16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}
function u32(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}
function put16(b: Uint8Array, i: number, v: number): void {
  b[i] = (v >>> 8) & 0xff;
  b[i + 1] = v & 0xff;
}
function put32(b: Uint8Array, i: number, v: number): void {
  put16(b, i, v >>> 16);
  put16(b, i + 2, v & 0xffff);
}

interface TcpSpec { sport?: number; dport?: number; seq?: number; ack?: number; flags: number; payload?: number; optWords?: number }

/** A TCP segment (checksum left 0: the builder never reads it). */
function tcp(s: TcpSpec): Uint8Array {
  const hl = 20 + 4 * (s.optWords ?? 0);
  const b = new Uint8Array(hl + (s.payload ?? 0)).fill(0x61, hl);
  put16(b, 0, s.sport ?? 40000);
  put16(b, 2, s.dport ?? 80);
  put32(b, 4, s.seq ?? 1000);
  put32(b, 8, s.ack ?? 0);
  b[12] = (hl / 4) << 4;
  b[13] = s.flags;
  put16(b, 14, 65535);
  b.fill(1, 20, hl); // NOP options
  return b;
}

/** A UDP datagram with a correct length field. */
function udp(payload = 12, sport = 5353, dport = 53): Uint8Array {
  const b = new Uint8Array(8 + payload).fill(0x62, 8);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, 8 + payload);
  return b;
}

/** An ICMP / ICMPv6 message of `type`. */
function icmp(type: number, len = 16): Uint8Array {
  const b = new Uint8Array(len);
  b[0] = type;
  return b;
}

interface V4Spec { proto: number; src?: number[]; dst?: number[]; fragField?: number; optWords?: number }

/** An IPv4 packet around l4, header checksum set. */
function v4(l4: Uint8Array, s: V4Spec): Uint8Array {
  const hl = 20 + 4 * (s.optWords ?? 0);
  const b = new Uint8Array(hl + l4.length);
  b[0] = 0x40 | (hl / 4);
  b[1] = 0xb8; // a DSCP the reject must not copy
  put16(b, 2, b.length);
  put16(b, 4, 0x1234);
  put16(b, 6, s.fragField ?? 0x4000);
  b[8] = 17;
  b[9] = s.proto;
  b.set(s.src ?? A4, 12);
  b.set(s.dst ?? B4, 16);
  b.fill(1, 20, hl);
  put16(b, 10, ~checksumReference(b, 0, hl) & 0xffff);
  b.set(l4, hl);
  return b;
}

/** An IPv6 packet: `ext` is a ready chain of extension headers ending with next header `proto`. */
function v6(l4: Uint8Array, proto: number, s: { src?: number[]; dst?: number[]; ext?: Uint8Array; first?: number } = {}): Uint8Array {
  const ext = s.ext ?? new Uint8Array(0);
  const b = new Uint8Array(40 + ext.length + l4.length);
  b[0] = 0x6b; // traffic class / flow label bits the reject must not copy
  b[1] = 0x8f;
  put16(b, 4, ext.length + l4.length);
  b[6] = ext.length > 0 ? s.first! : proto;
  b[7] = 9;
  b.set(s.src ?? A6, 8);
  b.set(s.dst ?? B6, 24);
  b.set(ext, 40);
  b.set(l4, 40 + ext.length);
  return b;
}

/** A fragment header (RFC 8200 4.5) carrying `next`, at 8-byte offset `offset`, More Fragments `more`. */
function fragHeader(next: number, offset: number, more: boolean): Uint8Array {
  const h = new Uint8Array(8);
  h[0] = next;
  put16(h, 2, (offset << 3) | (more ? 1 : 0));
  put32(h, 4, 0xabcdef);
  return h;
}

function reject(pkt: Uint8Array): Uint8Array {
  const out = new Uint8Array(REJECT_MAX_LEN + 16);
  const n = buildRejectPacket(pkt, 0, pkt.length, out, 0);
  return out.subarray(0, n);
}

function assertV4Header(r: Uint8Array, proto: number): void {
  assert.equal(r[0], 0x45);
  assert.equal(r[1], 0, 'no DSCP/ECN');
  assert.equal(u16(r, 2), r.length, 'total length');
  assert.equal(u16(r, 6), 0, 'no flags, as nebula');
  assert.equal(r[8], 64, 'TTL 64');
  assert.equal(r[9], proto);
  assert.deepEqual([...r.subarray(12, 16)], B4, 'from the refused packet destination');
  assert.deepEqual([...r.subarray(16, 20)], A4, 'to its source');
  assert.ok(ipv4HeaderVerifies(r, 0), 'IPv4 header checksum');
}

function assertV6Header(r: Uint8Array, next: number): void {
  assert.equal(r[0], 0x60);
  assert.equal(r[1], 0);
  assert.equal(u16(r, 4), r.length - 40, 'payload length');
  assert.equal(r[6], next);
  assert.equal(r[7], 64, 'hop limit 64');
  assert.deepEqual([...r.subarray(8, 24)], B6);
  assert.deepEqual([...r.subarray(24, 40)], A6);
}

test('a SYN is answered with RST|ACK, SEQ 0 and ACK = SEQ + 1, ports and addresses swapped (IPv4)', () => {
  const r = reject(v4(tcp({ flags: SYN, seq: 0x11223344, sport: 40001, dport: 22, optWords: 3 }), { proto: 6 }));
  assert.equal(r.length, 40);
  assertV4Header(r, 6);
  assert.equal(u16(r, 20), 22);
  assert.equal(u16(r, 22), 40001);
  assert.equal(u32(r, 24), 0, 'SEQ 0');
  assert.equal(u32(r, 28), 0x11223345, 'ACK = SEQ + SYN');
  assert.equal(r[32], 0x50, 'data offset 5');
  assert.equal(r[33], RST | ACK);
  assert.equal(u16(r, 34), 0, 'window 0');
  assert.ok(l4ChecksumVerifies(r, 0, r.length, 20, 6), 'TCP checksum');
});

test('a segment with ACK is answered with a bare RST whose SEQ is that ACK (IPv4, RFC 9293 3.10.7.1)', () => {
  const r = reject(v4(tcp({ flags: ACK | PSH, seq: 5, ack: 0xfffffff0, payload: 100 }), { proto: 6 }));
  assert.equal(u32(r, 24), 0xfffffff0);
  assert.equal(u32(r, 28), 0);
  assert.equal(r[33], RST);
  assert.ok(l4ChecksumVerifies(r, 0, r.length, 20, 6));
});

test('without ACK the RST acknowledges SEQ + SYN + FIN + payload, modulo 2^32', () => {
  const r = reject(v4(tcp({ flags: FIN, seq: 0xfffffffe, payload: 10 }), { proto: 6 }));
  assert.equal(u32(r, 28), (0xfffffffe + 1 + 10) % 2 ** 32);
  assert.equal(r[33], RST | ACK);
  const both = reject(v4(tcp({ flags: SYN | FIN, seq: 7, payload: 3, optWords: 2 }), { proto: 6 }));
  assert.equal(u32(both, 28), 7 + 2 + 3, 'options are not payload');
});

test('an RST is never answered', () => {
  assert.equal(reject(v4(tcp({ flags: RST }), { proto: 6 })).length, 0);
  assert.equal(reject(v4(tcp({ flags: RST | ACK, ack: 9 }), { proto: 6 })).length, 0);
  assert.equal(reject(v6(tcp({ flags: RST }), 6)).length, 0);
});

test('UDP is answered with ICMP 3/13 quoting the IP header and 8 bytes (IPv4)', () => {
  const pkt = v4(udp(40), { proto: 17 });
  const r = reject(pkt);
  assert.equal(r.length, 20 + 8 + 28);
  assertV4Header(r, 1);
  assert.equal(r[20], 3, 'destination unreachable');
  assert.equal(r[21], 13, 'administratively prohibited');
  assert.equal(u32(r, 24), 0, 'unused');
  assert.deepEqual([...r.subarray(28)], [...pkt.subarray(0, 28)], 'quote');
  assert.equal(checksumReference(r, 20, r.length - 20), 0xffff, 'ICMP checksum');
});

test('the ICMP quote keeps IPv4 options and takes what there is of a short L4 part', () => {
  const pkt = v4(udp(20), { proto: 17, optWords: 2 });
  const r = reject(pkt);
  assert.deepEqual([...r.subarray(28)], [...pkt.subarray(0, 28 + 8)]);
  const other = v4(new Uint8Array([1, 2, 3]), { proto: 47 }); // GRE, 3 bytes: no structure to check
  const ro = reject(other);
  assert.equal(ro.length, 20 + 8 + 23);
  assert.equal(checksumReference(ro, 20, ro.length - 20), 0xffff);
});

test('ICMP echo is answered, ICMP errors never are (IPv4)', () => {
  assert.equal(reject(v4(icmp(8), { proto: 1 }))[20], 3);
  for (const type of [3, 4, 5, 11, 12]) assert.equal(reject(v4(icmp(type), { proto: 1 })).length, 0, `type ${type}`);
});

test('non-first IPv4 fragments get nothing, a first fragment is answered', () => {
  assert.equal(reject(v4(udp(), { proto: 17, fragField: 0x0001 })).length, 0);
  assert.equal(reject(v4(tcp({ flags: SYN }), { proto: 6, fragField: 0x2010 })).length, 0);
  assert.equal(reject(v4(udp(), { proto: 17, fragField: 0x2000 }))[20], 3);
});

test('broadcast, multicast, loopback and unspecified addresses are never answered (IPv4, RFC 1122 3.2.2)', () => {
  for (const dst of [[224, 0, 0, 1], [239, 1, 2, 3], [255, 255, 255, 255]]) {
    assert.equal(reject(v4(udp(), { proto: 17, dst })).length, 0, dst.join('.'));
  }
  for (const src of [[0, 0, 0, 0], [127, 0, 0, 1], [224, 0, 0, 5], [240, 0, 0, 1], [255, 255, 255, 255]]) {
    assert.equal(reject(v4(tcp({ flags: SYN }), { proto: 6, src })).length, 0, src.join('.'));
  }
});

test('a SYN is answered with RST|ACK under the IPv6 pseudo-header checksum', () => {
  const r = reject(v6(tcp({ flags: SYN, seq: 99 }), 6));
  assert.equal(r.length, 60);
  assertV6Header(r, 6);
  assert.equal(u32(r, 44), 0);
  assert.equal(u32(r, 48), 100);
  assert.equal(r[53], RST | ACK);
  assert.ok(l4ChecksumVerifies(r, 0, r.length, 40, 6));
});

test('UDP over IPv6 is answered with ICMPv6 1/1 quoting the whole packet, at most 1000 bytes', () => {
  const small = v6(udp(30), 17);
  const r = reject(small);
  assertV6Header(r, 58);
  assert.equal(r[40], 1);
  assert.equal(r[41], 1);
  assert.deepEqual([...r.subarray(48)], [...small]);
  assert.ok(l4ChecksumVerifies(r, 0, r.length, 40, 58), 'ICMPv6 checksum');
  const big = v6(udp(1400), 17);
  const rb = reject(big);
  assert.equal(rb.length, 48 + 1000);
  assert.deepEqual([...rb.subarray(48)], [...big.subarray(0, 1000)]);
  assert.ok(l4ChecksumVerifies(rb, 0, rb.length, 40, 58));
});

test('ICMPv6 informational messages are answered, errors (types 0-127) never are', () => {
  assert.equal(reject(v6(icmp(128), 58))[40], 1);
  for (const type of [0, 1, 2, 3, 4, 127]) assert.equal(reject(v6(icmp(type), 58)).length, 0, `type ${type}`);
});

test('IPv6 extension headers are walked; non-first fragments get nothing, first fragments are answered', () => {
  const hop = new Uint8Array(8);
  hop[0] = 17; // next: UDP; length 0 = 8 bytes
  const viaHop = reject(v6(udp(), 17, { ext: hop, first: 0 }));
  assert.equal(viaHop[40], 1);
  const firstFrag = reject(v6(tcp({ flags: SYN, seq: 1 }), 6, { ext: fragHeader(6, 0, true), first: 44 }));
  assert.equal(firstFrag[53], RST | ACK);
  assert.equal(reject(v6(udp(), 17, { ext: fragHeader(17, 10, false), first: 44 })).length, 0);
  assert.equal(reject(v6(udp(), 17, { ext: fragHeader(17, 10, true), first: 44 })).length, 0);
});

test('multicast destinations and unspecified, loopback or multicast sources are never answered (IPv6, RFC 4443 2.4(e))', () => {
  const ff02 = [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  assert.equal(reject(v6(udp(), 17, { dst: ff02 })).length, 0);
  assert.equal(reject(v6(udp(), 17, { src: new Array<number>(16).fill(0) })).length, 0);
  assert.equal(reject(v6(udp(), 17, { src: [...new Array<number>(15).fill(0), 1] })).length, 0);
  assert.equal(reject(v6(tcp({ flags: SYN }), 6, { src: ff02 })).length, 0);
});

test('malformed headers get nothing: bad IHL, bad header checksum, lengths past the data, bad TCP offset, bad UDP length', () => {
  const good = v4(udp(), { proto: 17 });
  const ihl4 = good.slice();
  ihl4[0] = 0x44;
  assert.equal(reject(ihl4).length, 0, 'IHL 4');
  const badSum = good.slice();
  badSum[10]! ^= 1;
  assert.equal(reject(badSum).length, 0, 'IPv4 header checksum');
  const long = v4(udp(), { proto: 17 });
  put16(long, 2, long.length + 1);
  put16(long, 10, 0);
  put16(long, 10, ~checksumReference(long, 0, 20) & 0xffff);
  assert.equal(reject(long).length, 0, 'total length past the data');
  const doff = tcp({ flags: SYN });
  doff[12] = 0x40;
  assert.equal(reject(v4(doff, { proto: 6 })).length, 0, 'data offset 4');
  const doffLong = tcp({ flags: SYN });
  doffLong[12] = 0xf0;
  assert.equal(reject(v4(doffLong, { proto: 6 })).length, 0, 'data offset past the segment');
  const ulen = udp();
  put16(ulen, 4, 7);
  assert.equal(reject(v4(ulen, { proto: 17 })).length, 0, 'UDP length 7');
  put16(ulen, 4, 100);
  assert.equal(reject(v6(ulen, 17)).length, 0, 'UDP length past the data');
  const jumbo = v6(udp(), 17);
  put16(jumbo, 4, 0);
  assert.equal(reject(jumbo).length, 0, 'IPv6 payload length 0');
  assert.equal(reject(new Uint8Array([0x55, 0, 0, 0])).length, 0, 'IP version 5');
  assert.equal(reject(new Uint8Array(0)).length, 0, 'empty');
});

test('trailing bytes past the IPv4 total length are ignored (link padding), not answered as payload', () => {
  const pkt = v4(tcp({ flags: SYN, seq: 10 }), { proto: 6 });
  const padded = new Uint8Array(pkt.length + 6);
  padded.set(pkt);
  assert.equal(u32(reject(padded), 28), 11);
});

test('no room in out, an offset into it, or out overlapping the input: nothing written beyond bounds', () => {
  const pkt = v4(udp(), { proto: 17 });
  assert.equal(buildRejectPacket(pkt, 0, pkt.length, new Uint8Array(55), 0), 0, 'needs 56');
  const out = new Uint8Array(80).fill(0xee);
  assert.equal(buildRejectPacket(pkt, 0, pkt.length, out, 24), 56);
  assert.equal(out[23], 0xee, 'bytes before outOff untouched');
  assert.equal(checksumReference(out, 44, 36), 0xffff);
  const shared = new Uint8Array(200);
  shared.set(pkt, 100);
  assert.equal(buildRejectPacket(shared, 100, pkt.length, shared, 0), 0, 'overlap refused');
  assert.equal(buildRejectPacket(pkt, 0, pkt.length + 1, out, 0), 0, 'range past the input');
  assert.equal(buildRejectPacket(pkt, -1, 4, out, 0), 0);
  assert.equal(buildRejectPacket(pkt, 0, pkt.length, out, 81), 0);
});

const validPackets = (): Uint8Array[] => [
  v4(tcp({ flags: SYN }), { proto: 6 }),
  v4(tcp({ flags: ACK, payload: 30, optWords: 3 }), { proto: 6, optWords: 1 }),
  v4(udp(50), { proto: 17 }),
  v4(icmp(8), { proto: 1 }),
  v6(tcp({ flags: SYN }), 6),
  v6(udp(300), 17),
  v6(icmp(128), 58),
  v6(udp(), 17, { ext: fragHeader(17, 0, true), first: 44 }),
];

test('every truncation of a valid packet gets nothing', () => {
  for (const pkt of validPackets()) {
    assert.ok(reject(pkt).length > 0, 'the whole packet is answered');
    for (let cut = 0; cut < pkt.length; cut++) {
      assert.equal(buildRejectPacket(pkt, 0, cut, new Uint8Array(REJECT_MAX_LEN), 0), 0, `${pkt.length} bytes cut to ${cut}`);
    }
  }
});

/** Checks a reject the way a receiver would: its own checksums, and that it never draws a reject itself. */
function wellFormed(r: Uint8Array): void {
  if (r[0]! >>> 4 === 4) {
    assert.ok(ipv4HeaderVerifies(r, 0));
    assert.equal(u16(r, 2), r.length);
    if (r[9] === 6) assert.ok(l4ChecksumVerifies(r, 0, r.length, 20, 6));
    else assert.equal(checksumReference(r, 20, r.length - 20), 0xffff);
  } else {
    assert.equal(r[0]! >>> 4, 6);
    assert.equal(u16(r, 4), r.length - 40);
    assert.ok(l4ChecksumVerifies(r, 0, r.length, 40, r[6]!));
  }
  assert.equal(reject(r).length, 0, 'a reject is never answered (RST or ICMP error)');
}

test('property: arbitrary bytes and mutated valid packets never throw, and any reject is well-formed', () => {
  const out = new Uint8Array(REJECT_MAX_LEN);
  const mutated = fc.tuple(
    fc.constantFrom(...validPackets()),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    fc.nat(),
  ).map(([pkt, edits, cut]) => {
    const b = pkt.slice(0, pkt.length - (cut % 4 === 0 ? cut % pkt.length : 0));
    for (const [at, v] of edits) if (b.length > 0) b[at % b.length] = v;
    return b;
  });
  const raw = fc.uint8Array({ maxLength: 120 }).map((b) => {
    if (b.length > 0) b[0] = (b[0]! & 0x0f) | (b[0]! & 1 ? 0x40 : 0x60);
    return b;
  });
  let answered = 0;
  fc.assert(fc.property(fc.oneof(mutated, raw), fc.nat({ max: 8 }), (pkt, off) => {
    const buf = new Uint8Array(off + pkt.length);
    buf.set(pkt, off);
    const n = buildRejectPacket(buf, off, pkt.length, out, 0);
    assert.ok(n === 0 || (n >= 40 && n <= REJECT_MAX_LEN));
    if (n > 0) {
      answered++;
      wellFormed(out.slice(0, n));
    }
  }), { numRuns: 5000, seed: 0x7e1ec7 });
  // The property must have seen real rejects, not only refusals.
  assert.ok(answered > 250, `${answered} of 5000 inputs answered`);
});
