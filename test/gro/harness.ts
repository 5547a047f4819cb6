// Driving a Coalescer in tests: a sink that records what was written, feeding
// packets from one receive-like buffer, and checks of merged output.
import assert from 'node:assert/strict';
import { Coalescer, type CoalescerOptions } from '../../src/gro/index.js';
import { readU16BE } from '../../src/packet/index.js';
import type { GsoInfo, Packet } from '../../src/tun/packet.js';
import { VIRTIO_NET_HDR_GSO_TCPV4, VIRTIO_NET_HDR_GSO_TCPV6, VIRTIO_NET_HDR_GSO_UDP_L4, finishChecksum } from '../../src/virtio/index.js';
import { ipv4HeaderVerifies, l4ChecksumVerifies } from '../helpers/checksum.js';
import { headerLen, payloadOf } from '../../kit/packet.js';

/** One packet as the sink saw it: a copy of its bytes and of its gso info. */
export interface Written {
  bytes: Buffer;
  gso: GsoInfo | null;
}

/** Records every written packet. */
export class CaptureSink {
  readonly written: Written[] = [];
  write(p: Packet): Promise<void> {
    this.written.push({ bytes: Buffer.from(p.buf.subarray(p.off, p.off + p.len)), gso: p.gso ? { ...p.gso } : null });
    return Promise.resolve();
  }
}

/**
 * Lays the packets into one buffer, 1 to 3 bytes apart so their alignments
 * vary as in a receive buffer, adds each, flushes, and returns what was written.
 */
export async function run(packets: readonly Buffer[], opts: Partial<CoalescerOptions> = {}): Promise<{ out: Written[]; c: Coalescer }> {
  const sink = new CaptureSink();
  const c = new Coalescer(sink, { tcp: true, udp: true, ...opts });
  await feed(c, packets);
  return { out: sink.written, c };
}

/** Adds the packets from one shared buffer (varying alignment) and flushes. */
export async function feed(c: Coalescer, packets: readonly Buffer[]): Promise<void> {
  let size = 0;
  for (const p of packets) size += p.length + 3;
  const rx = Buffer.alloc(size + 1);
  const offs: number[] = [];
  let off = 1;
  packets.forEach((p, i) => {
    p.copy(rx, off);
    offs.push(off);
    off += p.length + 1 + (i % 3);
  });
  packets.forEach((p, i) => c.add(rx, offs[i]!, p.length));
  await c.flush();
}

/** Asserts `w` is the packet `input`, untouched and not a superpacket. */
export function assertUnchanged(w: Written, input: Buffer, what = 'packet'): void {
  assert.equal(w.gso, null, `${what}: no gso`);
  assert.ok(w.bytes.equals(input), `${what}: written unchanged`);
}

/**
 * Asserts `w` is the superpacket of `inputs`: gso geometry, lengths, IPv4
 * header checksum, the partial L4 checksum completing to one that verifies,
 * headers equal to the first input's but for length/checksum fields (and PSH
 * if `psh`), payload the concatenation of the inputs'.
 */
export function assertMerged(w: Written, inputs: readonly Buffer[], psh = false): void {
  const first = inputs[0]!;
  const v = first[0]! >>> 4;
  const ipLen = v === 4 ? 20 : 40;
  const proto = v === 4 ? first[9]! : first[6]!;
  const tcp = proto === 6;
  const hdr = headerLen(first);
  const g = w.gso;
  assert.ok(g, `merged ${inputs.length} packets: gso set`);
  assert.equal(g.size, payloadOf(first).length, 'gso size is the first payload length');
  assert.equal(g.hdrLen, hdr);
  assert.equal(g.csumStart, ipLen);
  assert.equal(g.csumOffset, tcp ? 16 : 6);
  assert.equal(g.proto, tcp ? 'tcp' : 'udp');
  assert.equal(g.gsoType, !tcp ? VIRTIO_NET_HDR_GSO_UDP_L4 : v === 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
  const b = Buffer.from(w.bytes);
  const payload = Buffer.concat(inputs.map(payloadOf));
  assert.equal(b.length, hdr + payload.length, 'total length');
  assert.ok(b.subarray(hdr).equals(payload), 'payload is the inputs\' payloads in order');
  if (v === 4) {
    assert.equal(readU16BE(b, 2), b.length, 'IPv4 total length');
    assert.ok(ipv4HeaderVerifies(b, 0), 'IPv4 header checksum');
  } else {
    assert.equal(readU16BE(b, 4), b.length - 40, 'IPv6 payload length');
  }
  if (!tcp) assert.equal(readU16BE(b, ipLen + 4), b.length - ipLen, 'UDP length');
  // Everything but lengths and checksums is the seed's header (PSH added if a later segment had it).
  const expect = Buffer.from(first.subarray(0, hdr));
  const got = Buffer.from(b.subarray(0, hdr));
  for (const i of v === 4 ? [2, 3, 10, 11] : [4, 5]) expect[i] = got[i] = 0;
  for (const i of tcp ? [16, 17] : [4, 5, 6, 7]) expect[ipLen + i] = got[ipLen + i] = 0;
  if (psh) expect[ipLen + 13]! |= 0x08;
  assert.ok(got.equals(expect), 'headers are the seed\'s');
  assert.ok(finishChecksum(b, 0, b.length, g.csumStart, g.csumOffset));
  assert.ok(l4ChecksumVerifies(b, 0, b.length, ipLen, proto), 'completed L4 checksum verifies');
}

/** Segment counts of the written packets: 1 for plain packets, the number of gso segments otherwise. */
export function shape(out: readonly Written[]): number[] {
  return out.map((w) => (w.gso ? Math.ceil((w.bytes.length - w.gso.hdrLen) / w.gso.size) : 1));
}
