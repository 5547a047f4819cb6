// TIO_AEAD_IMPL: how a user picks the OpenSSL path, and what the node logs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AEAD_PATH, nativeAvailable } from '../../../src/native.js';
import { AEAD_IMPL_ENV, AeadBatch, AeadError, BatchAead, aeadImplementation, defaultAeadPath } from '../../../src/tunnel/aead/index.js';

const skip = nativeAvailable ? undefined : 'native addon not built';

/** Runs fn with TIO_AEAD_IMPL set to v (undefined: unset), restoring it after. */
function withEnv<T>(v: string | undefined, fn: () => T): T {
  const old = process.env[AEAD_IMPL_ENV];
  if (v === undefined) delete process.env[AEAD_IMPL_ENV];
  else process.env[AEAD_IMPL_ENV] = v;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env[AEAD_IMPL_ENV];
    else process.env[AEAD_IMPL_ENV] = old;
  }
}

test('TIO_AEAD_IMPL unset or empty is auto; openssl and evp select OpenSSL paths', () => {
  assert.equal(defaultAeadPath({}), AEAD_PATH.auto);
  assert.equal(defaultAeadPath({ [AEAD_IMPL_ENV]: '' }), AEAD_PATH.auto);
  assert.equal(defaultAeadPath({ [AEAD_IMPL_ENV]: 'auto' }), AEAD_PATH.auto);
  assert.equal(defaultAeadPath({ [AEAD_IMPL_ENV]: 'openssl' }), AEAD_PATH.provider);
  assert.equal(defaultAeadPath({ [AEAD_IMPL_ENV]: 'evp' }), AEAD_PATH.evp);
});

test('an unknown TIO_AEAD_IMPL is an AeadError naming the variable and the choices, inherited object keys included', () => {
  for (const bad of ['fast', 'toString', '__proto__', 'constructor', 'OpenSSL']) {
    assert.throws(() => defaultAeadPath({ [AEAD_IMPL_ENV]: bad }), (e: unknown) => {
      assert.ok(e instanceof AeadError);
      assert.equal(e.code, 'ERR_TIO_AEAD_IMPL');
      assert.ok(e.message.includes(`TIO_AEAD_IMPL=${JSON.stringify(bad)}`), e.message);
      assert.match(e.message, /auto, openssl, evp/);
      return true;
    });
  }
});

test('the default path and TIO_AEAD_IMPL=openssl both run on the provider path, evp on EVP, and all seal the same bytes', { skip }, () => {
  const key = new Uint8Array(32).fill(7);
  const plain = Uint8Array.from({ length: 1300 }, (_, i) => (i * 31) & 0xff);
  const sealWith = (impl: string | undefined): { path: number; bytes: Uint8Array } => withEnv(impl, () => {
    const a = new BatchAead('aes', key, 'seal');
    const buf = new Uint8Array(16 + plain.length + 16);
    buf[0] = 0x11;
    buf.set(plain, 16);
    const batch = new AeadBatch(1).reset(buf);
    batch.add(0, plain.length);
    assert.equal(a.seal(batch), 1);
    const path = a.path;
    a.close();
    return { path, bytes: buf };
  });
  const ossl = sealWith('openssl');
  const dflt = sealWith(undefined);
  const evp = sealWith('evp');
  assert.equal(ossl.path, AEAD_PATH.provider);
  assert.equal(dflt.path, AEAD_PATH.provider);
  assert.equal(evp.path, AEAD_PATH.evp);
  assert.deepEqual(ossl.bytes, dflt.bytes);
  assert.deepEqual(evp.bytes, dflt.bytes);
});

test('aeadImplementation names what a node will run: openssl for both ciphers by default, openssl-evp under evp', { skip }, () => {
  withEnv(undefined, () => {
    assert.equal(aeadImplementation('aes'), 'openssl');
    assert.equal(aeadImplementation('chachapoly'), 'openssl');
  });
  withEnv('openssl', () => assert.equal(aeadImplementation('aes'), 'openssl'));
  withEnv('evp', () => assert.equal(aeadImplementation('aes'), 'openssl-evp'));
});
