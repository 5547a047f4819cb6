// The invariant of docs/OFFLOADS.md "Coalescing": coalesce(segment(sp)) == sp. Random
// valid superpackets are cut by the real Segmenter and fed to the Coalescer;
// what comes out must be the original superpacket, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Coalescer } from '../../src/gro/index.js';
import { Segmenter } from '../../src/gso/index.js';
import { ACK, PSH, buildSuperpacket } from '../../kit/superpacket.js';
import { CaptureSink } from './harness.js';

const MAX_SEGMENTS = 64;
const MAX_BYTES = 65535;

const spec = fc.record({
  version: fc.constantFrom<4 | 6>(4, 6),
  proto: fc.constantFrom<'tcp' | 'udp'>('tcp', 'udp'),
  gsoSize: fc.integer({ min: 1, max: 1500 }),
  segments: fc.integer({ min: 2, max: MAX_SEGMENTS }),
  tail: fc.integer({ min: 0, max: 1499 }),
  psh: fc.boolean(),
  tcpOptions: fc.uint8Array({ minLength: 0, maxLength: 40 }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  ipId: fc.integer({ min: 0, max: 0xffff }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

test('coalesce(segment(sp)) rebuilds sp exactly: headers, gso geometry and payload (TCP/UDP, v4/v6)', async () => {
  const segmenter = new Segmenter();
  await fc.assert(
    fc.asyncProperty(spec, async (s) => {
      // A short last segment only when it is shorter than the others; options of NOPs (1) only.
      const tail = s.tail % s.gsoSize;
      const hdr = (s.version === 4 ? 20 : 40) + (s.proto === 'tcp' ? 20 + Math.ceil(s.tcpOptions.length / 4) * 4 : 8);
      let payloadLen = (s.segments - 1) * s.gsoSize + (tail || s.gsoSize);
      while (hdr + payloadLen > MAX_BYTES) payloadLen -= s.gsoSize;
      fc.pre(payloadLen > s.gsoSize);
      const payload = new Uint8Array(payloadLen);
      for (let i = 0; i < payloadLen; i++) payload[i] = (i * 31 + s.seed) & 0xff;
      const sp = buildSuperpacket({
        version: s.version, proto: s.proto, payload, gsoSize: s.gsoSize, seq: s.seq, ipId: s.ipId,
        tcpFlags: s.psh ? ACK | PSH : ACK, tcpOptions: s.tcpOptions.map(() => 1),
      });
      const sink = new CaptureSink();
      const c = new Coalescer(sink, { tcp: true, udp: true });
      // Segments live in an arena until the flush, as in a forwarder.
      const arena = Buffer.alloc(segmenter.roomFor(sp.packet, 0, 0));
      const n = segmenter.segmentInto(sp.packet, arena, 0, 0, 0, (b, o, l) => c.add(b, o, l));
      assert.ok(n > 1);
      await c.flush();
      assert.equal(sink.written.length, 1, 'one superpacket comes back');
      const out = sink.written[0]!;
      assert.deepEqual(out.bytes, Buffer.from(sp.packet.data), 'same bytes as the original superpacket');
      const g = sp.packet.gso!;
      assert.deepEqual(out.gso, { ...g }, 'same gso geometry');
    }),
    { seed: 42, numRuns: 300 },
  );
});
