import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  UDP_CHECKSUM,
  UDP_HEADER_LEN,
  checksumReference,
  finish,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  setUdpChecksum,
  setUdpLength,
  sum16,
  udpChecksum,
  udpDstPort,
  udpLength,
  udpSrcPort,
} from '../../src/packet/index.js';
import { buildPacket, makeRng, pseudoHeaderBytes, randomBytes } from './packets.js';

test('UDP accessors read a hand-built header', () => {
  const p = buildPacket({ version: 6, proto: 17, payload: new Uint8Array(33) });
  const u = p.ipHdrLen;
  assert.equal(udpSrcPort(p.bytes, u), 40000);
  assert.equal(udpDstPort(p.bytes, u), 443);
  assert.equal(udpLength(p.bytes, u), 33 + UDP_HEADER_LEN);
  setUdpLength(p.bytes, u, 9);
  assert.equal(udpLength(p.bytes, u), 9);
  setUdpChecksum(p.bytes, u, 0xffff);
  assert.equal(udpChecksum(p.bytes, u), 0xffff);
  assert.equal(UDP_CHECKSUM, 6);
});

for (const version of [4, 6] as const) {
  test(`a UDP checksum built from the IPv${version} pseudo-header sum verifies`, () => {
    const rng = makeRng(20 + version);
    for (const payloadLen of [0, 1, 7, 8, 512, 1472]) {
      const p = buildPacket({ version, proto: 17, payload: randomBytes(rng, payloadLen) });
      const u = p.ipHdrLen;
      const l4Len = p.bytes.length - u;
      const ph = version === 4 ? pseudoHeaderSumV4(p.bytes, 0, 17, l4Len) : pseudoHeaderSumV6(p.bytes, 0, 17, l4Len);
      setUdpChecksum(p.bytes, u, finish(sum16(p.bytes, u, l4Len, ph)));
      const phBytes = pseudoHeaderBytes(p);
      const total = checksumReference(p.bytes, u, l4Len, checksumReference(phBytes, 0, phBytes.length));
      assert.equal(total, 0xffff, `payload ${payloadLen}`);
    }
  });
}
