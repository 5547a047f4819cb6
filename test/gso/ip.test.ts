// IP header rewriting per segment: IPv4 id, total length and header checksum; IPv6 payload length.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { segmentSuperpacket } from '../../src/gso/index.js';
import { ipv4HeaderVerifies, l4ChecksumVerifies } from '../helpers/checksum.js';
import { EXT_DEST_OPTS, EXT_HOP_BY_HOP, EXT_ROUTING, buildSuperpacket, collect, get16, patternPayload } from '../../kit/superpacket.js';

for (const proto of ['tcp', 'udp'] as const) {
  test(`IPv4 id increments per segment (${proto})`, () => {
    const sp = buildSuperpacket({ version: 4, proto, payload: patternPayload(5000), gsoSize: 1000, ipId: 0xfffe });
    const { result, segments } = collect(segmentSuperpacket, sp.packet);
    assert.equal(result, 5);
    // Wraps modulo 2^16.
    assert.deepEqual(segments.map((s) => get16(s, 4)), [0xfffe, 0xffff, 0, 1, 2]);
  });

  test(`IPv4 header checksum valid on every segment (${proto}, with IPv4 options)`, () => {
    for (const ipv4Options of [undefined, Uint8Array.of(7, 7, 4, 0, 0, 0, 0)]) {
      const sp = buildSuperpacket({ version: 4, proto, payload: patternPayload(4321), gsoSize: 1000, ipv4Options });
      const { result, segments } = collect(segmentSuperpacket, sp.packet);
      assert.equal(result, 5);
      for (const s of segments) {
        assert.ok(ipv4HeaderVerifies(s, 0));
        assert.equal(get16(s, 2), s.length, 'total length');
        assert.equal(s[1], 0x02, 'ToS copied');
        assert.equal(get16(s, 6), 0x4000, 'DF copied');
        assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, proto === 'tcp' ? 6 : 17));
      }
    }
  });

  test(`IPv6 payload length correct with extension headers (${proto})`, () => {
    const cases = [[], [[EXT_HOP_BY_HOP, 1]], [[EXT_HOP_BY_HOP, 1], [EXT_ROUTING, 2], [EXT_DEST_OPTS, 1]]] as const;
    for (const ipv6Ext of cases) {
      const sp = buildSuperpacket({ version: 6, proto, payload: patternPayload(3001), gsoSize: 1200, ipv6Ext });
      const { result, segments } = collect(segmentSuperpacket, sp.packet);
      assert.equal(result, 3);
      for (const s of segments) {
        assert.equal(get16(s, 4), s.length - 40);
        assert.equal(s[1], 0x0a, 'flow label copied');
        assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, proto === 'tcp' ? 6 : 17));
      }
      assert.deepEqual(segments.map((s) => s.length - sp.hdrLen), [1200, 1200, 601]);
    }
  });
}
