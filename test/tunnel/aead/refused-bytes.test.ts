// What a refused packet's bytes become (SECURITY.md, native/aead.c). OpenSSL
// decrypts before it can check the tag, so in place a forged packet's
// ciphertext is overwritten before it is refused. The contract is therefore:
// its plaintext range is zeroed (no unauthenticated plaintext is left,
// RFC 5116 §2.2), its header and tag stay as they came, and the other packets of
// the batch open. The ciphertext is not kept: nothing in the node reads a
// refused packet again (each datagram is opened with the one tunnel its index
// names; a datagram parked for an unknown index is parked before decryption).
// Checked on both native paths and the node:crypto reference, both ciphers,
// for a batch of one (the control-message path: AeadBatch(1)) and for one bad
// packet among authentic ones (the batched data path), in place and out of place.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AeadBatch, BatchAead, type CipherName, type PacketAead, ReferenceAead } from '../../../src/tunnel/aead/index.js';
import { AEAD_PATH, nativeAvailable } from '../../../src/native.js';
import { HDR, TAG, hex, layout, type Layout, type PacketSpec } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

/** Plaintext lengths across block (16) and wider stride edges, up to nebula's 9000. */
const LENS = [0, 1, 15, 16, 17, 63, 64, 65, 255, 256, 1300, 2100, 9000];
/** Where the single flipped bit goes. */
const REGIONS = ['header', 'ciphertext', 'tag'] as const;
/** Every opener: the two native paths and the reference, per cipher. */
const OPENERS: readonly { name: string; make: (c: CipherName, key: Uint8Array) => PacketAead }[] = [
  { name: 'evp', make: (c, key) => new BatchAead(c, key, 'open', AEAD_PATH.evp) },
  { name: 'provider', make: (c, key) => new BatchAead(c, key, 'open', AEAD_PATH.provider) },
  { name: 'reference', make: (c, key) => new ReferenceAead(c, key, 'open') },
];

function specs(n: number, len: number, seed: number): PacketSpec[] {
  return Array.from({ length: n }, (_, i) => ({ len: i === 0 ? len : 100 + 37 * i, counter: BigInt(3 + i), index: 0x01020304, gap: i % 3, seed: seed + i }));
}

/** Seals `sp` (with the reference, not the code under test) and flips one bit of packet `victim` in `region`. */
function sealedWithOneBad(cipher: CipherName, key: Uint8Array, sp: PacketSpec[], victim: number, region: (typeof REGIONS)[number], salt: number): Layout {
  const l = layout(sp);
  const sb = new AeadBatch(sp.length).reset(l.buf);
  sp.forEach((p, i) => sb.add(l.offs[i]!, p.len));
  assert.equal(new ReferenceAead(cipher, key, 'seal').seal(sb), sp.length);
  const v = sp[victim]!;
  const r = region === 'ciphertext' && v.len === 0 ? 'tag' : region;
  const start = l.offs[victim]! + (r === 'header' ? 0 : r === 'ciphertext' ? HDR : HDR + v.len);
  const size = r === 'header' ? HDR : r === 'ciphertext' ? v.len : TAG;
  l.buf[start + ((salt * 7) % size)]! ^= 1 << (salt % 8);
  return l;
}

/** Every (batch size, victim, length, region) case: a batch of one and a bad packet first, mid and last in a batch of 5. */
function cases(): [number, number, number, (typeof REGIONS)[number]][] {
  const out: [number, number, number, (typeof REGIONS)[number]][] = [];
  for (const len of LENS) {
    for (const region of REGIONS) {
      out.push([1, 0, len, region]);
      for (const victim of [0, 2, 4]) out.push([5, victim, len, region]);
    }
  }
  return out;
}

test('in place, a refused packet keeps its header and tag and has its ciphertext zeroed; the rest of the batch opens (both paths, reference, both ciphers)', { skip }, () => {
  const key = new Uint8Array(32).fill(7);
  for (const cipher of ['aes', 'chachapoly'] as const) {
    for (const opener of OPENERS) {
      for (const [n, victim, len, region] of cases()) {
        const detail = `${cipher} ${opener.name} n ${n} victim ${victim} len ${len} ${region}`;
        const sp = specs(n, len, 11);
        // Packet 0 has the length under test; move it to the victim's place.
        [sp[0], sp[victim]] = [sp[victim]!, sp[0]!];
        const l = sealedWithOneBad(cipher, key, sp, victim, region, len);
        const at = l.offs[victim]!;
        const before = l.buf.slice(at, at + HDR + len + TAG);
        const ob = new AeadBatch(n).reset(l.buf);
        sp.forEach((p, i) => ob.add(l.offs[i]!, HDR + p.len + TAG));
        const aead = opener.make(cipher, key);
        assert.equal(aead.open(ob), n - 1, `${detail}: only the tampered packet is refused`);
        aead.close();
        assert.equal(ob.out[victim], -1, detail);
        assert.equal(hex(l.buf.subarray(at, at + HDR)), hex(before.subarray(0, HDR)), `${detail}: header changed`);
        assert.equal(hex(l.buf.subarray(at + HDR + len, at + HDR + len + TAG)), hex(before.subarray(HDR + len)), `${detail}: tag changed`);
        assert.ok(l.buf.subarray(at + HDR, at + HDR + len).every((b) => b === 0), `${detail}: unauthenticated plaintext left in the buffer`);
        sp.forEach((p, i) => {
          if (i === victim) return;
          assert.equal(ob.out[i], p.len, detail);
          assert.equal(hex(l.buf.subarray(l.offs[i]! + HDR, l.offs[i]! + HDR + p.len)), hex(l.plains[i]!), `${detail}: packet ${i}`);
        });
      }
    }
  }
});

test('open-to-another-buffer leaves every source packet as it came and zeroes a refused packet\'s destination (both paths, reference, both ciphers)', { skip }, () => {
  const key = new Uint8Array(32).fill(5);
  for (const cipher of ['aes', 'chachapoly'] as const) {
    for (const opener of OPENERS) {
      const sp = specs(4, 1300, 3);
      const l = sealedWithOneBad(cipher, key, sp, 1, 'ciphertext', 5);
      const src = l.buf.slice();
      const dst = new Uint8Array(l.buf.length).fill(0xee);
      const ob = new AeadBatch(4).reset(dst, src);
      sp.forEach((p, i) => ob.addFrom(l.offs[i]!, HDR + p.len + TAG, l.offs[i]!));
      const aead = opener.make(cipher, key);
      assert.equal(aead.open(ob), 3, `${cipher} ${opener.name}`);
      aead.close();
      assert.equal(ob.out[1], -1);
      assert.equal(hex(src), hex(l.buf), `${cipher} ${opener.name}: the source buffer changed`);
      assert.ok(dst.subarray(l.offs[1]!, l.offs[1]! + sp[1]!.len).every((b) => b === 0), `${cipher} ${opener.name}: refused destination not zeroed`);
      for (const i of [0, 2, 3]) assert.equal(hex(dst.subarray(l.offs[i]!, l.offs[i]! + sp[i]!.len)), hex(l.plains[i]!), `${cipher} ${opener.name}: packet ${i}`);
    }
  }
});
