// The native paths of native/aead.c, both Node's OpenSSL: EVP, and the
// provider's cipher functions called directly. They must be interchangeable
// byte for byte, tag checks included; EVP, plain OpenSSL, is the reference.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EINVAL } from '../../../src/errno.js';
import { AEAD_PATH, native, nativeAvailable, type AeadHandle, type AeadPath } from '../../../src/native.js';
import { HDR, TAG, cipherArb, hex, layout, packetArb } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';
const RUNS = { seed: 0xd1ec, numRuns: 80 };
const ID = { aes: 0, chachapoly: 1 } as const;

function handle(cipher: 0 | 1, key: Uint8Array, encrypt: boolean, path: AeadPath): AeadHandle {
  const h = native.aeadCreate(cipher, key, encrypt, path);
  if (typeof h === 'number') assert.fail(`aeadCreate(path ${path}) failed: ${h}`);
  return h as AeadHandle;
}

test('auto picks the provider path for both ciphers; explicit paths are honoured; a freed handle says EBADF; unknown paths are EINVAL', { skip }, () => {
  assert.match(process.versions.openssl ?? '', /^3\./, 'this pins the OpenSSL 3 provider layout');
  const key = new Uint8Array(32).fill(9);
  for (const c of [0, 1] as const) {
    for (const enc of [true, false]) {
      const auto = handle(c, key, enc, AEAD_PATH.auto);
      assert.equal(native.aeadPath(auto), AEAD_PATH.provider);
      for (const p of [AEAD_PATH.evp, AEAD_PATH.provider] as const) {
        const h = handle(c, key, enc, p);
        assert.equal(native.aeadPath(h), p);
        native.aeadFree(h);
        assert.ok(native.aeadPath(h) < 0);
      }
      native.aeadFree(auto);
      assert.ok(native.aeadPath(auto) < 0);
    }
  }
  // 3 was tio's own AES-GCM, removed: asking for it is an error, not a silent fallback.
  for (const bad of [-1, 3, 4]) assert.equal(native.aeadCreate(0, key, true, bad as AeadPath), -EINVAL, `path ${bad}`);
});

function sameAsEvp(path: AeadPath, cipher: fc.Arbitrary<'aes' | 'chachapoly'>): void {
  fc.assert(
    fc.property(cipher, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(packetArb, { minLength: 1, maxLength: 8 }), (name, key, specs) => {
      const c = ID[name];
      const l = layout(specs);
      const n = specs.length;
      const offs = Int32Array.from(l.offs);
      const plainLens = Int32Array.from(specs.map((p) => p.len));
      const sealedLens = Int32Array.from(specs.map((p) => HDR + p.len + TAG));
      const viaPath = Buffer.from(l.buf);
      const viaEvp = Buffer.from(l.buf);
      const sp = handle(c, key, true, path);
      const se = handle(c, key, true, AEAD_PATH.evp);
      assert.equal(native.aeadSeal(sp, n, viaPath, offs, plainLens), n);
      assert.equal(native.aeadSeal(se, n, viaEvp, offs, plainLens), n);
      assert.equal(hex(viaPath), hex(viaEvp));
      // Each opens the other's output; one flipped bit in packet 0 (tag or text) fails it alone.
      for (const [p, buf] of [[path, Buffer.from(viaEvp)], [AEAD_PATH.evp, Buffer.from(viaPath)]] as const) {
        const tampered = Buffer.from(buf);
        const flip = offs[0]! + HDR + ((specs[0]!.seed >>> 0) % (specs[0]!.len + TAG));
        tampered[flip]! ^= 1 << (specs[0]!.seed & 7);
        const o = handle(c, key, false, p);
        const out = new Int32Array(n);
        assert.equal(native.aeadOpen(o, n, buf, offs, sealedLens, out), n);
        specs.forEach((s, i) => {
          assert.equal(out[i], s.len);
          assert.equal(hex(buf.subarray(offs[i]! + HDR, offs[i]! + HDR + s.len)), hex(l.plains[i]!));
        });
        assert.equal(native.aeadOpen(o, n, tampered, offs, sealedLens, out), n - 1);
        assert.equal(out[0], -1);
        native.aeadFree(o);
      }
      native.aeadFree(sp);
      native.aeadFree(se);
    }),
    RUNS,
  );
}

test('the provider path seals the same bytes as EVP, each opens the other, and both refuse a flipped bit', { skip }, () => {
  sameAsEvp(AEAD_PATH.provider, cipherArb);
});
