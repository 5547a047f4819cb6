import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checksumReference, fold } from '../../src/packet/index.js';
import { finishChecksum } from '../../src/virtio/index.js';
import { type BuiltPacket, buildPacket, makeRng, pseudoHeaderBytes, randomBytes } from '../packet/packets.js';

// Puts the folded pseudo-header sum in the checksum field, as the kernel leaves a CHECKSUM_PARTIAL packet.
function makePartial(p: BuiltPacket, csumOffset: number): number {
  const ph = pseudoHeaderBytes(p);
  const partial = checksumReference(ph, 0, ph.length);
  const i = p.ipHdrLen + csumOffset;
  p.bytes[i] = partial >>> 8;
  p.bytes[i + 1] = partial & 0xff;
  return partial;
}

// Independent check: pseudo-header plus segment (with the stored checksum) sums to 0xffff.
function verifies(p: BuiltPacket): boolean {
  const ph = pseudoHeaderBytes(p);
  const l4Len = p.bytes.length - p.ipHdrLen;
  return checksumReference(p.bytes, p.ipHdrLen, l4Len, checksumReference(ph, 0, ph.length)) === 0xffff;
}

for (const version of [4, 6] as const) {
  test(`completes a CHECKSUM_PARTIAL TCP/IPv${version} checksum that then verifies`, () => {
    const rng = makeRng(40 + version);
    for (const n of [0, 1, 1000, 1459]) {
      const p = buildPacket({ version, proto: 6, payload: randomBytes(rng, n), tcpOptionsLen: 12 });
      makePartial(p, 16);
      assert.equal(finishChecksum(p.bytes, 0, p.bytes.length, p.ipHdrLen, 16), true);
      assert.ok(verifies(p), `payload ${n}`);
    }
  });

  test(`completes a CHECKSUM_PARTIAL UDP/IPv${version} checksum that then verifies`, () => {
    const rng = makeRng(50 + version);
    for (const n of [0, 1, 1000, 1471]) {
      const p = buildPacket({ version, proto: 17, payload: randomBytes(rng, n) });
      makePartial(p, 6);
      assert.equal(finishChecksum(p.bytes, 0, p.bytes.length, p.ipHdrLen, 6), true);
      assert.ok(verifies(p), `payload ${n}`);
    }
  });

  test(`stores 0xffff for a UDP/IPv${version} datagram whose checksum computes to 0`, () => {
    // Choose the last payload word so that the whole sum folds to 0xffff, i.e. checksum 0.
    const p = buildPacket({ version, proto: 17, payload: Uint8Array.of(1, 2, 3, 4, 5, 6, 0, 0) });
    const ph = pseudoHeaderBytes(p);
    const l4Len = p.bytes.length - p.ipHdrLen;
    const without = fold(checksumReference(p.bytes, p.ipHdrLen, l4Len, checksumReference(ph, 0, ph.length)));
    const word = 0xffff - without;
    p.bytes[p.bytes.length - 2] = word >>> 8;
    p.bytes[p.bytes.length - 1] = word & 0xff;
    makePartial(p, 6);
    assert.equal(finishChecksum(p.bytes, 0, p.bytes.length, p.ipHdrLen, 6), true);
    const stored = (p.bytes[p.ipHdrLen + 6] << 8) | p.bytes[p.ipHdrLen + 7];
    assert.equal(stored, 0xffff);
    assert.ok(verifies(p));
  });
}

test('works on a packet at an odd offset inside a larger buffer', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: randomBytes(makeRng(60), 777) });
  makePartial(p, 16);
  const b = new Uint8Array(p.bytes.length + 5);
  b.set(p.bytes, 3);
  assert.equal(finishChecksum(b, 3, p.bytes.length, p.ipHdrLen, 16), true);
  p.bytes.set(b.subarray(3, 3 + p.bytes.length));
  assert.ok(verifies(p));
});

test('returns false and writes nothing when the checksum field lies beyond the packet', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(0) });
  const before = p.bytes.slice();
  assert.equal(finishChecksum(p.bytes, 0, p.bytes.length, p.ipHdrLen, p.bytes.length), false);
  assert.equal(finishChecksum(p.bytes, 0, 37, 20, 16), false);
  assert.equal(finishChecksum(p.bytes, 0, 37, 100, 16), false);
  assert.deepEqual(p.bytes, before);
});
