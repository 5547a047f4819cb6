// Segmentation refuses a superpacket whose IPv6 header chain holds a Fragment
// header: only the first fragment carries the L4 header, and cutting one
// fragment into several would repeat its identification (RFC 8200 section 4.5).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Segmenter, segmentRejectReason } from '../../src/gso/index.js';
import {
  EXT_DEST_OPTS, EXT_HOP_BY_HOP, buildSuperpacket, collect, patternPayload, type Superpacket,
} from '../../kit/superpacket.js';

/** Fragment header number; always 8 bytes (RFC 8200 section 4.5). */
const EXT_FRAGMENT = 44;

/**
 * A superpacket whose extension headers are `chain` (Fragment headers one 8-byte unit), with
 * every Fragment header's offset, M flag and identification set as given.
 */
function withFragment(proto: 'tcp' | 'udp', chain: readonly number[], offset8: number, more: boolean): Superpacket {
  const sp = buildSuperpacket({ version: 6, proto, payload: patternPayload(4000), gsoSize: 1000, ipv6Ext: chain.map((t) => [t, 1] as const) });
  const b = sp.packet.buf;
  let p = sp.packet.off + 40;
  for (const type of chain) {
    if (type === EXT_FRAGMENT) {
      // Byte 1 reserved; bytes 2-3: 13-bit offset in 8-byte units, 2 reserved bits, M; bytes 4-7: identification.
      b[p + 1] = 0;
      const field = (offset8 << 3) | (more ? 1 : 0);
      b[p + 2] = field >>> 8;
      b[p + 3] = field & 0xff;
      b.writeUInt32BE(0x5eed1234, p + 4);
    }
    p += 8;
  }
  return sp;
}

const seg = new Segmenter();
const segment = (p: Superpacket['packet'], cb: (buf: Buffer, off: number, len: number) => void): number => seg.segment(p, cb);

for (const proto of ['tcp', 'udp'] as const) {
  const name = proto.toUpperCase();

  test(`IPv6 ${name}: a first fragment (offset 0, M set) is refused as bad-header and nothing is emitted`, () => {
    const sp = withFragment(proto, [EXT_FRAGMENT], 0, true);
    const { result, segments } = collect(segment, sp.packet);
    assert.equal(segmentRejectReason(result), 'bad-header');
    assert.equal(segments.length, 0);
  });

  test(`IPv6 ${name}: a Fragment header behind hop-by-hop options, and an atomic fragment (offset 0, no M), are refused`, () => {
    for (const sp of [withFragment(proto, [EXT_HOP_BY_HOP, EXT_FRAGMENT], 0, true), withFragment(proto, [EXT_FRAGMENT], 0, false)]) {
      const { result, segments } = collect(segment, sp.packet);
      assert.equal(segmentRejectReason(result), 'bad-header');
      assert.equal(segments.length, 0);
    }
  });

  test(`IPv6 ${name}: the same chain with destination options in the Fragment header's place segments (the Fragment header is the reason)`, () => {
    const sp = withFragment(proto, [EXT_HOP_BY_HOP, EXT_DEST_OPTS], 0, true);
    const { result, segments } = collect(segment, sp.packet);
    assert.equal(result, 4);
    assert.equal(segments.length, 4);
  });

  test(`IPv6 ${name}: segmentInto and roomFor refuse a Fragment header too, writing nothing`, () => {
    const sp = withFragment(proto, [EXT_FRAGMENT], 0, true);
    const dst = Buffer.alloc(1 << 16, 0xab);
    let calls = 0;
    const r = seg.segmentInto(sp.packet, dst, 0, 16, 16, () => calls++);
    assert.equal(segmentRejectReason(r), 'bad-header');
    assert.equal(calls, 0);
    assert.ok(dst.every((x) => x === 0xab), 'destination untouched');
    assert.equal(seg.roomFor(sp.packet, 16, 16), 0);
  });
}
