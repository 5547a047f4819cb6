// The native paths of native/aead.c: EVP, the provider's cipher functions
// called directly, and our own vectorized AES-256-GCM (native/gcm.c). They
// must be interchangeable byte for byte, tag checks included; EVP, plain
// OpenSSL, is the reference for the other two.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { AEAD_PATH, native, nativeAvailable, type AeadHandle, type AeadPath } from '../../../src/native.js';
import { HDR, TAG, cipherArb, hex, layout, packetArb } from './packets.js';

const skip = nativeAvailable ? undefined : 'native addon not built';
const RUNS = { seed: 0xd1ec, numRuns: 80 };
const ID = { aes: 0, chachapoly: 1 } as const;
const ENOTSUP = 95;
const EINVAL = 22;

/** Read from /proc/cpuinfo, not from the code under test: the flags native/gcm.c needs. */
function cpuHasVaes(): boolean {
  const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
  return ['avx512f', 'avx512bw', 'avx512vl', 'vaes', 'vpclmulqdq', 'aes', 'pclmulqdq'].every((f) => flags.includes(f));
}
const vaes = cpuHasVaes();

function handle(cipher: 0 | 1, key: Uint8Array, encrypt: boolean, path: AeadPath): AeadHandle {
  const h = native.aeadCreate(cipher, key, encrypt, path);
  if (typeof h === 'number') assert.fail(`aeadCreate(path ${path}) failed: ${h}`);
  return h as AeadHandle;
}

test('auto picks our VAES GCM for AES where the CPU has it, else the provider path; explicit paths are honoured; a freed handle says EBADF', { skip }, () => {
  assert.match(process.versions.openssl ?? '', /^3\./, 'this pins the OpenSSL 3 provider layout');
  const key = new Uint8Array(32).fill(9);
  for (const c of [0, 1] as const) {
    for (const enc of [true, false]) {
      const auto = handle(c, key, enc, AEAD_PATH.auto);
      assert.equal(native.aeadPath(auto), c === 0 && vaes ? AEAD_PATH.vaes : AEAD_PATH.provider);
      for (const p of [AEAD_PATH.evp, AEAD_PATH.provider] as const) {
        const h = handle(c, key, enc, p);
        assert.equal(native.aeadPath(h), p);
        native.aeadFree(h);
        assert.ok(native.aeadPath(h) < 0);
      }
      const v = native.aeadCreate(c, key, enc, AEAD_PATH.vaes);
      if (c === 0 && vaes) assert.equal(native.aeadPath(v as AeadHandle), AEAD_PATH.vaes);
      else assert.equal(v, -ENOTSUP);
      native.aeadFree(auto);
      assert.ok(native.aeadPath(auto) < 0);
    }
  }
  assert.equal(native.aeadCreate(0, key, true, 4 as AeadPath), -EINVAL);
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

test('our VAES AES-256-GCM seals the same bytes as EVP at every length to 9000, each opens the other, and both refuse a flipped bit', {
  skip: skip ?? (vaes ? undefined : 'CPU lacks VAES/VPCLMULQDQ/AVX-512: the path cannot run here'),
}, () => {
  sameAsEvp(AEAD_PATH.vaes, fc.constant('aes'));
});

test('our VAES GCM writes nothing when authentication fails, so a refused packet keeps its ciphertext', {
  skip: skip ?? (vaes ? undefined : 'CPU lacks VAES/VPCLMULQDQ/AVX-512: the path cannot run here'),
}, () => {
  const key = new Uint8Array(32).fill(3);
  const s = handle(0, key, true, AEAD_PATH.vaes);
  const o = handle(0, key, false, AEAD_PATH.vaes);
  for (const len of [0, 1, 63, 64, 255, 256, 1300, 2100, 9000]) {
    const buf = Buffer.alloc(HDR + len + TAG, 0x5a);
    buf[0] = 0x11;
    assert.equal(native.aeadSeal(s, 1, buf, Int32Array.of(0), Int32Array.of(len)), 1);
    buf[buf.length - 1]! ^= 0x80;
    const before = Buffer.from(buf);
    const out = new Int32Array(1);
    assert.equal(native.aeadOpen(o, 1, buf, Int32Array.of(0), Int32Array.of(buf.length), out), 0);
    assert.equal(out[0], -1);
    assert.ok(buf.equals(before), `len ${len}: bytes changed on a refused packet`);
  }
  native.aeadFree(s);
  native.aeadFree(o);
});
