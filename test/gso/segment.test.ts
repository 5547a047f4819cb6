// Segment boundaries, pass-through, refusals and the Segmenter's own contract.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  SEGMENT_REJECT_REASONS, Segmenter, SegmenterBusyError, segmentRejectReason, segmentSuperpacket,
} from '../../src/gso/index.js';
import { Packet } from '../../src/tun/packet.js';
import { l4ChecksumVerifies } from '../helpers/checksum.js';
import {
  EXT_DEST_OPTS, GSO_UDP, buildSuperpacket, collect, joinedPayload, patternPayload,
} from '../../kit/superpacket.js';

const protos = ['tcp', 'udp'] as const;
const versions = [4, 6] as const;

for (const version of versions) {
  for (const proto of protos) {
    const name = `IPv${version} ${proto.toUpperCase()}`;

    test(`last segment may be short (${name})`, () => {
      const sp = buildSuperpacket({ version, proto, payload: patternPayload(1448 * 3 + 7), gsoSize: 1448 });
      const { result, segments } = collect(segmentSuperpacket, sp.packet);
      assert.equal(result, 4);
      assert.deepEqual(segments.map((s) => s.length - sp.hdrLen), [1448, 1448, 1448, 7]);
    });

    test(`segment payloads concatenate to the original payload (${name})`, () => {
      for (const [n, size] of [[65535 - 120, 1448], [10000, 1], [1000, 999], [999, 1000], [4096, 1024], [333, 7]] as const) {
        const sp = buildSuperpacket({ version, proto, payload: patternPayload(n, n), gsoSize: size, lead: 3 });
        const { result, segments } = collect(segmentSuperpacket, sp.packet);
        assert.equal(result, Math.ceil(n / size));
        assert.deepEqual(joinedPayload(segments, sp.hdrLen), Buffer.from(sp.payload));
        for (const s of segments) assert.ok(l4ChecksumVerifies(s, 0, s.length, sp.l4Off, proto === 'tcp' ? 6 : 17));
      }
    });

    test(`gso size 0 rejected (${name})`, () => {
      const sp = buildSuperpacket({ version, proto, payload: patternPayload(3000), gsoSize: 0 });
      const { result, segments } = collect(segmentSuperpacket, sp.packet);
      assert.equal(segmentRejectReason(result), 'gso-size-zero');
      assert.equal(segments.length, 0);
    });

    test(`a superpacket without payload is one header-only segment (${name})`, () => {
      const sp = buildSuperpacket({ version, proto, payload: new Uint8Array(0), gsoSize: 1000 });
      const { result, segments } = collect(segmentSuperpacket, sp.packet);
      assert.equal(result, 1);
      assert.equal(segments[0]!.length, sp.hdrLen);
      assert.ok(l4ChecksumVerifies(segments[0]!, 0, sp.hdrLen, sp.l4Off, proto === 'tcp' ? 6 : 17));
    });
  }
}

test('headers longer than 120 bytes are rejected', () => {
  const tcpOptions = new Uint8Array(40);
  // Exactly 120: IPv4 with 40 option bytes and TCP with 40 option bytes.
  const at120 = buildSuperpacket({ version: 4, proto: 'tcp', payload: patternPayload(3000), gsoSize: 1000, ipv4Options: new Uint8Array(40), tcpOptions });
  assert.equal(at120.hdrLen, 120);
  assert.equal(collect(segmentSuperpacket, at120.packet).result, 3);
  // 128: IPv6, 8 + 16 bytes of extension headers, TCP with 40 option bytes.
  const over = buildSuperpacket({ version: 6, proto: 'tcp', payload: patternPayload(3000), gsoSize: 1000, ipv6Ext: [[EXT_DEST_OPTS, 1], [EXT_DEST_OPTS, 2]], tcpOptions });
  assert.equal(over.hdrLen, 124);
  const { result, segments } = collect(segmentSuperpacket, over.packet);
  assert.equal(segmentRejectReason(result), 'header-too-long');
  assert.equal(segments.length, 0);
});

test('legacy UFO rejected', () => {
  for (const version of versions) {
    const sp = buildSuperpacket({ version, proto: 'udp', payload: patternPayload(3000), gsoSize: 1000 });
    sp.packet.gso!.gsoType = GSO_UDP;
    const { result, segments } = collect(segmentSuperpacket, sp.packet);
    assert.equal(segmentRejectReason(result), 'legacy-ufo');
    assert.equal(segments.length, 0);
  }
});

test('non-superpacket passes through unchanged', () => {
  const buf = Buffer.from(patternPayload(300));
  const p = new Packet(buf, 17, 200);
  const calls: [Buffer, number, number][] = [];
  assert.equal(segmentSuperpacket(p, (b, off, len) => calls.push([b, off, len])), 1);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]![0], buf);
  assert.deepEqual(calls[0]!.slice(1), [17, 200]);
  assert.deepEqual(buf, Buffer.from(patternPayload(300)));
});

test('the superpacket itself is left unchanged', () => {
  for (const proto of protos) {
    const sp = buildSuperpacket({ version: 4, proto, payload: patternPayload(5000), gsoSize: 1448, lead: 5 });
    const before = Buffer.from(sp.packet.buf);
    collect(segmentSuperpacket, sp.packet);
    assert.deepEqual(sp.packet.buf, before);
  }
});

test('a callback may modify its segment without affecting the next one', () => {
  const sp = buildSuperpacket({ version: 6, proto: 'tcp', payload: patternPayload(5000), gsoSize: 1000 });
  const clean = collect(segmentSuperpacket, sp.packet).segments;
  const seen: Buffer[] = [];
  segmentSuperpacket(sp.packet, (buf, off, len) => {
    seen.push(Buffer.from(buf.subarray(off, off + len)));
    buf.fill(0xa5, off, off + len);
  });
  assert.deepEqual(seen, clean);
});

test('header fields inconsistent with the gso info are rejected as bad-header', () => {
  const mutations: [string, (sp: ReturnType<typeof buildSuperpacket>) => void][] = [
    ['csumStart off by 4', (sp) => { sp.packet.gso!.csumStart += 4; }],
    ['hdrLen off by 4', (sp) => { sp.packet.gso!.hdrLen -= 4; }],
    ['csumOffset of UDP on TCP', (sp) => { sp.packet.gso!.csumOffset = 6; }],
    ['proto udp with a TCP type', (sp) => { sp.packet.gso!.proto = 'udp'; }],
    ['TCPV6 type on IPv4', (sp) => { sp.packet.gso!.gsoType = 4; }],
    ['unknown gso type', (sp) => { sp.packet.gso!.gsoType = 2; }],
    ['IP protocol UDP', (sp) => { sp.packet.buf[9] = 17; }],
    ['IPv4 fragment', (sp) => { sp.packet.buf[6] = 0x20; }],
    ['TCP data offset 4', (sp) => { sp.packet.buf[20 + 12] = 0x40; }],
    ['fractional gso size', (sp) => { sp.packet.gso!.size = 1.5; }],
  ];
  for (const [what, mutate] of mutations) {
    const sp = buildSuperpacket({ version: 4, proto: 'tcp', payload: patternPayload(3000), gsoSize: 1000 });
    mutate(sp);
    const { result, segments } = collect(segmentSuperpacket, sp.packet);
    assert.equal(segmentRejectReason(result), 'bad-header', what);
    assert.equal(segments.length, 0, what);
  }
});

test('a packet range or header beyond the buffer is rejected as truncated', () => {
  const sp = buildSuperpacket({ version: 4, proto: 'tcp', payload: patternPayload(100), gsoSize: 1000 });
  const short = new Packet(sp.packet.buf, sp.packet.off, 30);
  Object.assign(short.setGso(), sp.packet.gso);
  assert.equal(segmentRejectReason(collect(segmentSuperpacket, short).result), 'truncated');
  const beyond = new Packet(sp.packet.buf, 10, sp.packet.buf.length);
  assert.equal(segmentRejectReason(collect(segmentSuperpacket, beyond).result), 'truncated');
  Object.assign(beyond.setGso(), sp.packet.gso);
  assert.equal(segmentRejectReason(collect(segmentSuperpacket, beyond).result), 'truncated');
});

test('every reject code maps to its reason; counts map to null', () => {
  SEGMENT_REJECT_REASONS.forEach((reason, i) => assert.equal(segmentRejectReason(-(i + 1)), reason));
  assert.equal(segmentRejectReason(0), null);
  assert.equal(segmentRejectReason(45), null);
  assert.equal(segmentRejectReason(-99), null);
});

test('calling segment from its own callback throws SegmenterBusyError; the segmenter recovers', () => {
  const seg = new Segmenter();
  const sp = buildSuperpacket({ version: 4, proto: 'udp', payload: patternPayload(3000), gsoSize: 1000 });
  assert.throws(() => seg.segment(sp.packet, () => { seg.segment(sp.packet, () => {}); }), (e: unknown) => {
    return e instanceof SegmenterBusyError && e.code === 'ERR_TIO_SEGMENTER_BUSY';
  });
  assert.equal(seg.segment(sp.packet, () => {}), 3);
});
