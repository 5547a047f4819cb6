// UDP header rewriting per segment: length and a full checksum.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Segmenter } from '../../src/gso/index.js';
import { l4ChecksumVerifies } from '../helpers/checksum.js';
import { buildSuperpacket, collect, get16, patternPayload } from '../../kit/superpacket.js';

const segmenter = new Segmenter();
const segment = segmenter.segment.bind(segmenter);

for (const version of [4, 6] as const) {
  test(`UDP length and checksum per segment (IPv${version})`, () => {
    const sp = buildSuperpacket({ version, proto: 'udp', payload: patternPayload(2999), gsoSize: 1200 });
    const { result, segments } = collect(segment, sp.packet);
    assert.equal(result, 3);
    for (const s of segments) {
      assert.equal(get16(s, sp.l4Off + 4), s.length - sp.l4Off);
      assert.equal(get16(s, sp.l4Off), 40000);
      assert.equal(get16(s, sp.l4Off + 2), 443);
      assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, 17));
    }
    assert.deepEqual(segments.map((s) => s.length - sp.hdrLen), [1200, 1200, 599]);
  });

  test(`UDP checksum 0 is sent as 0xffff (IPv${version})`, () => {
    const payload = patternPayload(2000);
    const sp = buildSuperpacket({ version, proto: 'udp', payload, gsoSize: 1000 });
    // Tune one payload word of the second segment so that its sum is 0xffff,
    // the value whose complement is the forbidden 0.
    const csum = get16(collect(segment, sp.packet).segments[1]!, sp.l4Off + 6);
    const sum = ~csum & 0xffff;
    const at = sp.packet.off + sp.hdrLen + 1000 + 10;
    const word = get16(sp.packet.buf, at);
    let tuned = word + (0xffff - sum);
    while (tuned > 0xffff) tuned = (tuned & 0xffff) + (tuned >>> 16);
    sp.packet.buf[at] = tuned >>> 8;
    sp.packet.buf[at + 1] = tuned & 0xff;

    const { segments } = collect(segment, sp.packet);
    assert.equal(get16(segments[1]!, sp.l4Off + 6), 0xffff);
    assert.ok(l4ChecksumVerifies(segments[1]!, 0, segments[1]!.length, sp.l4Off, 17));
    assert.notEqual(get16(segments[0]!, sp.l4Off + 6), 0xffff);
  });
}
