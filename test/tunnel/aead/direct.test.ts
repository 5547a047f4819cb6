// The two native paths of native/aead.c: calling the provider's cipher
// functions directly (the default) and going through EVP (evpOnly). They must
// be interchangeable byte for byte, tag checks included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { native, nativeAvailable, type AeadHandle } from '../../../src/native.js';
import { HDR, TAG, cipherArb, hex, layout, packetArb } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';
const RUNS = { seed: 0xd1ec, numRuns: 80 };
const ID = { aes: 0, chachapoly: 1 } as const;

function handle(cipher: 0 | 1, key: Uint8Array, encrypt: boolean, evpOnly: boolean): AeadHandle {
  const h = native.aeadCreate(cipher, key, encrypt, evpOnly);
  if (typeof h === 'number') assert.fail(`aeadCreate failed: ${h}`);
  return h as AeadHandle;
}

test('on OpenSSL 3 both ciphers take the direct path by default; evpOnly takes EVP; a freed handle says EBADF', { skip }, () => {
  assert.match(process.versions.openssl ?? '', /^3\./, 'this pins the OpenSSL 3 provider layout');
  const key = new Uint8Array(32).fill(9);
  for (const c of [0, 1] as const) {
    for (const enc of [true, false]) {
      const d = handle(c, key, enc, false);
      const e = handle(c, key, enc, true);
      assert.equal(native.aeadIsDirect(d), 1);
      assert.equal(native.aeadIsDirect(e), 0);
      native.aeadFree(d);
      native.aeadFree(e);
      assert.ok((native.aeadIsDirect(d)) < 0);
      assert.ok((native.aeadIsDirect(e)) < 0);
    }
  }
});

test('direct and EVP seal the same bytes, each opens the other, and both refuse a flipped tag bit', { skip }, () => {
  fc.assert(
    fc.property(cipherArb, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(packetArb, { minLength: 1, maxLength: 8 }), (name, key, specs) => {
      const c = ID[name];
      const l = layout(specs);
      const n = specs.length;
      const offs = Int32Array.from(l.offs);
      const plainLens = Int32Array.from(specs.map((p) => p.len));
      const sealedLens = Int32Array.from(specs.map((p) => HDR + p.len + TAG));
      const viaDirect = Buffer.from(l.buf);
      const viaEvp = Buffer.from(l.buf);
      const sd = handle(c, key, true, false);
      const se = handle(c, key, true, true);
      assert.equal(native.aeadSeal(sd, n, viaDirect, offs, plainLens), n);
      assert.equal(native.aeadSeal(se, n, viaEvp, offs, plainLens), n);
      assert.equal(hex(viaDirect), hex(viaEvp));
      // Direct opens EVP's output and the reverse; one flipped tag bit in packet 0 fails it alone.
      for (const [evpOnly, buf] of [[false, Buffer.from(viaEvp)], [true, Buffer.from(viaDirect)]] as const) {
        const tampered = Buffer.from(buf);
        tampered[offs[0]! + sealedLens[0]! - 1]! ^= 0x01;
        const o = handle(c, key, false, evpOnly);
        const out = new Int32Array(n);
        assert.equal(native.aeadOpen(o, n, buf, offs, sealedLens, out), n);
        specs.forEach((p, i) => {
          assert.equal(out[i], p.len);
          assert.equal(hex(buf.subarray(offs[i]! + HDR, offs[i]! + HDR + p.len)), hex(l.plains[i]!));
        });
        assert.equal(native.aeadOpen(o, n, tampered, offs, sealedLens, out), n - 1);
        assert.equal(out[0], -1);
        native.aeadFree(o);
      }
      native.aeadFree(sd);
      native.aeadFree(se);
    }),
    RUNS,
  );
});
