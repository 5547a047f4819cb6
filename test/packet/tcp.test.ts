import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TCP_CHECKSUM,
  TCP_FLAG_ACK,
  TCP_FLAG_CWR,
  TCP_FLAG_ECE,
  TCP_FLAG_FIN,
  TCP_FLAG_PSH,
  TCP_FLAG_RST,
  TCP_FLAG_SYN,
  TCP_FLAG_URG,
  checksumReference,
  finish,
  pseudoHeaderSumV4,
  pseudoHeaderSumV6,
  setTcpAck,
  setTcpChecksum,
  setTcpFlags,
  setTcpSeq,
  sum16,
  tcpAck,
  tcpChecksum,
  tcpDataOffset,
  tcpDstPort,
  tcpFlags,
  tcpSeq,
  tcpSrcPort,
  tcpWindow,
} from '../../src/packet/index.js';
import { buildPacket, makeRng, pseudoHeaderBytes, randomBytes } from './packets.js';

test('TCP flag constants have their RFC 9293 / RFC 3168 bit values', () => {
  assert.deepEqual(
    [TCP_FLAG_FIN, TCP_FLAG_SYN, TCP_FLAG_RST, TCP_FLAG_PSH, TCP_FLAG_ACK, TCP_FLAG_URG, TCP_FLAG_ECE, TCP_FLAG_CWR],
    [1, 2, 4, 8, 16, 32, 64, 128],
  );
});

test('TCP accessors read a hand-built header with options', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(10), tcpOptionsLen: 12 });
  const t = p.ipHdrLen;
  assert.equal(tcpSrcPort(p.bytes, t), 40000);
  assert.equal(tcpDstPort(p.bytes, t), 443);
  assert.equal(tcpSeq(p.bytes, t), 0x89abcdef);
  assert.equal(tcpAck(p.bytes, t), 0x01020304);
  assert.equal(tcpDataOffset(p.bytes, t), 32);
  assert.equal(tcpFlags(p.bytes, t), TCP_FLAG_ACK | TCP_FLAG_PSH);
  assert.equal(tcpWindow(p.bytes, t), 502);
});

test('seq and ack are unsigned 32-bit and setters wrap modulo 2^32', () => {
  const b = new Uint8Array(20);
  setTcpSeq(b, 0, 0xfffffffe);
  assert.equal(tcpSeq(b, 0), 0xfffffffe);
  setTcpSeq(b, 0, 0xfffffffe + 5);
  assert.equal(tcpSeq(b, 0), 3);
  setTcpAck(b, 0, 0x80000000);
  assert.equal(tcpAck(b, 0), 0x80000000);
  setTcpFlags(b, 0, TCP_FLAG_SYN | TCP_FLAG_ECE | TCP_FLAG_CWR);
  assert.equal(tcpFlags(b, 0), 0xc2);
  setTcpChecksum(b, 0, 0xbeef);
  assert.equal(tcpChecksum(b, 0), 0xbeef);
});

for (const version of [4, 6] as const) {
  test(`a TCP checksum built from the IPv${version} pseudo-header sum verifies`, () => {
    const rng = makeRng(10 + version);
    for (const payloadLen of [0, 1, 2, 3, 100, 1001, 1460]) {
      const p = buildPacket({ version, proto: 6, payload: randomBytes(rng, payloadLen), tcpOptionsLen: 12 });
      const t = p.ipHdrLen;
      const l4Len = p.bytes.length - t;
      const ph = version === 4 ? pseudoHeaderSumV4(p.bytes, 0, 6, l4Len) : pseudoHeaderSumV6(p.bytes, 0, 6, l4Len);
      setTcpChecksum(p.bytes, t, finish(sum16(p.bytes, t, l4Len, ph)));
      // Verify independently: reference sum over explicit pseudo-header bytes and the segment.
      const phBytes = pseudoHeaderBytes(p);
      const total = checksumReference(p.bytes, t, l4Len, checksumReference(phBytes, 0, phBytes.length));
      assert.equal(total, 0xffff, `payload ${payloadLen}`);
      assert.notEqual(tcpChecksum(p.bytes, t), 0);
      assert.equal(TCP_CHECKSUM, 16);
    }
  });
}
