// Noise IX: in-process handshakes for both ciphers, the cacophony test vectors
// (an independent implementation), msg2 recomputed step by step from node:crypto
// primitives for nebula's empty prologue, and typed failures for tampered,
// truncated and out-of-order input.
import assert from 'node:assert/strict';
import { createCipheriv, createHash, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CipherState, IxInitiator, IxResponder, NoiseError, generateX25519KeyPair, x25519, x25519KeyPair, x25519PublicKeyObject, type KeyPair, type NoiseCipher,
} from '../../../src/tunnel/noise/index.js';
import { IX_VECTORS } from './vectors.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const isNoise = (reason: string) => (e: unknown): boolean => e instanceof NoiseError && e.reason === reason;
const CIPHERS: readonly NoiseCipher[] = ['aes', 'chachapoly'];

function pair(cipher: NoiseCipher): { i: IxInitiator; r: IxResponder; si: KeyPair; sr: KeyPair } {
  const si = generateX25519KeyPair();
  const sr = generateX25519KeyPair();
  return { i: new IxInitiator({ cipher, staticKey: si }), r: new IxResponder({ cipher, staticKey: sr }), si, sr };
}

for (const cipher of CIPHERS) {
  test(`full IX handshake in process (${cipher}): payloads, static keys and split keys agree`, () => {
    const { i, r, si, sr } = pair(cipher);
    const m1 = i.writeMessage1(text('hello from initiator'));
    // msg1 = e(32) || s(32) || payload in clear, no tag (docs/PROTOCOL.md "Handshake message 1").
    assert.equal(m1.length, 64 + 20);
    assert.equal(hex(m1.subarray(0, 32)), hex(i.ephemeralPublicKey));
    assert.equal(hex(m1.subarray(32, 64)), hex(si.publicKey));
    const got1 = r.readMessage1(m1);
    assert.equal(new TextDecoder().decode(got1.payload), 'hello from initiator');
    assert.equal(hex(got1.remoteStatic), hex(si.publicKey));
    const w = r.writeMessage2(text('hi back'));
    // msg2 = e(32) || enc s(48) || enc payload(len + 16) (docs/PROTOCOL.md "Handshake message 2").
    assert.equal(w.bytes.length, 32 + 48 + 7 + 16);
    const got2 = i.readMessage2(w.bytes);
    assert.equal(new TextDecoder().decode(got2.payload), 'hi back');
    assert.equal(hex(got2.remoteStatic), hex(sr.publicKey));
    assert.equal(hex(got2.k1), hex(w.k1));
    assert.equal(hex(got2.k2), hex(w.k2));
    assert.notEqual(hex(w.k1), hex(w.k2));
    assert.equal(hex(got2.handshakeHash), hex(w.handshakeHash));
    // k1 carries initiator -> responder, k2 the reverse (docs/PROTOCOL.md "Noise primitives").
    const tx = new CipherState(cipher, got2.k1);
    const rx = new CipherState(cipher, w.k1);
    assert.deepEqual([...rx.decryptWithAd(new Uint8Array(0), tx.encryptWithAd(new Uint8Array(0), Uint8Array.of(42)))], [42]);
  });
}

for (const v of IX_VECTORS) {
  test(`cacophony vector Noise_IX_25519_${v.cipher === 'aes' ? 'AESGCM' : 'ChaChaPoly'}_SHA256: every message byte-exact`, () => {
    const prologue = unhex(v.prologue);
    const i = new IxInitiator({ cipher: v.cipher, staticKey: x25519KeyPair(unhex(v.initStatic)), ephemeralKey: x25519KeyPair(unhex(v.initEphemeral)), prologue });
    const r = new IxResponder({ cipher: v.cipher, staticKey: x25519KeyPair(unhex(v.respStatic)), ephemeralKey: x25519KeyPair(unhex(v.respEphemeral)), prologue });
    const [m0, m1, ...transport] = v.messages;
    const c0 = i.writeMessage1(unhex(m0!.payload));
    assert.equal(hex(c0), m0!.ciphertext);
    assert.equal(hex(r.readMessage1(c0).payload), m0!.payload);
    const w = r.writeMessage2(unhex(m1!.payload));
    assert.equal(hex(w.bytes), m1!.ciphertext);
    assert.equal(hex(w.handshakeHash), v.handshakeHash);
    const res = i.readMessage2(w.bytes);
    assert.equal(hex(res.payload), m1!.payload);
    // Transport messages alternate initiator (k1) and responder (k2), each with its own counter.
    const send = [new CipherState(v.cipher, res.k1), new CipherState(v.cipher, w.k2)];
    const recv = [new CipherState(v.cipher, w.k1), new CipherState(v.cipher, res.k2)];
    transport.forEach((m, n) => {
      const dir = n % 2;
      const c = send[dir]!.encryptWithAd(new Uint8Array(0), unhex(m.payload));
      assert.equal(hex(c), m.ciphertext, `transport message ${n + 2}`);
      assert.equal(hex(recv[dir]!.decryptWithAd(new Uint8Array(0), c)), m.payload);
    });
  });
}

/** An X25519 key pair made by node itself, exported raw through JWK: independent of src/tunnel/noise/x25519.ts. */
function nodeKeyPair(): { obj: { privateKey: KeyObject; publicKey: KeyObject }; raw: KeyPair } {
  const obj = generateKeyPairSync('x25519');
  const jwk = obj.privateKey.export({ format: 'jwk' });
  return { obj, raw: { privateKey: new Uint8Array(Buffer.from(jwk.d!, 'base64url')), publicKey: new Uint8Array(Buffer.from(jwk.x!, 'base64url')) } };
}

test('msg2 and the split keys recomputed step by step from node:crypto primitives (aes, empty prologue)', () => {
  const [si, ei, sr, er] = [nodeKeyPair(), nodeKeyPair(), nodeKeyPair(), nodeKeyPair()];
  const p1 = text('payload one');
  const p2 = text('payload two');
  const i = new IxInitiator({ cipher: 'aes', staticKey: si.raw, ephemeralKey: ei.raw });
  const r = new IxResponder({ cipher: 'aes', staticKey: sr.raw, ephemeralKey: er.raw });
  r.readMessage1(i.writeMessage1(p1));
  const w = r.writeMessage2(p2);

  const sha = (...parts: Uint8Array[]): Uint8Array => {
    const h = createHash('sha256');
    for (const part of parts) h.update(part);
    return new Uint8Array(h.digest());
  };
  const dh = (a: { privateKey: KeyObject }, b: { publicKey: KeyObject }): Uint8Array => new Uint8Array(diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey }));
  const kdf = (ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] => {
    const out = new Uint8Array(hkdfSync('sha256', ikm, ck, new Uint8Array(0), 64));
    return [out.subarray(0, 32), out.subarray(32)];
  };
  const seal = (k: Uint8Array, ad: Uint8Array, pt: Uint8Array): Uint8Array => {
    const c = createCipheriv('aes-256-gcm', k, new Uint8Array(12), { authTagLength: 16 }).setAAD(ad);
    const out = Buffer.concat([c.update(pt), c.final()]);
    return new Uint8Array(Buffer.concat([out, c.getAuthTag()]));
  };

  const name = new Uint8Array(32);
  name.set(text('Noise_IX_25519_AESGCM_SHA256'));
  let ck: Uint8Array = name;
  let h = sha(name, new Uint8Array(0)); // MixHash(empty prologue)
  h = sha(h, ei.raw.publicKey);
  h = sha(h, si.raw.publicKey);
  h = sha(h, p1);
  // Responder tokens: e, ee, se, s, es (docs/PROTOCOL.md "Handshake message 2").
  h = sha(h, er.raw.publicKey);
  let k: Uint8Array;
  [ck, k] = kdf(ck, dh(er.obj, ei.obj));
  [ck, k] = kdf(ck, dh(er.obj, si.obj));
  const encS = seal(k, h, sr.raw.publicKey);
  h = sha(h, encS);
  [ck, k] = kdf(ck, dh(sr.obj, ei.obj));
  const encP = seal(k, h, p2);
  h = sha(h, encP);
  const [k1, k2] = kdf(ck, new Uint8Array(0));

  assert.equal(hex(w.bytes), hex(er.raw.publicKey) + hex(encS) + hex(encP));
  assert.equal(hex(w.k1), hex(k1));
  assert.equal(hex(w.k2), hex(k2));
  assert.equal(hex(w.handshakeHash), hex(h));
});

for (const cipher of CIPHERS) {
  test(`every tampered msg2 byte is a typed error and the initiator still completes with the genuine msg2 (${cipher})`, () => {
    const { i, r } = pair(cipher);
    r.readMessage1(i.writeMessage1(text('x')));
    const w = r.writeMessage2(text('payload'));
    for (let at = 0; at < w.bytes.length; at++) {
      const bad = Uint8Array.from(w.bytes);
      bad[at]! ^= 0x40;
      assert.throws(() => i.readMessage2(bad), (e: unknown) => e instanceof NoiseError && (e.reason === 'decrypt-failed' || e.reason === 'bad-key'), `byte ${at}`);
    }
    assert.throws(() => i.readMessage2(w.bytes.subarray(0, w.bytes.length - 1)), isNoise('decrypt-failed'));
    assert.throws(() => i.readMessage2(Uint8Array.from([...w.bytes, 0])), isNoise('decrypt-failed'));
    const res = i.readMessage2(w.bytes);
    assert.equal(hex(res.k1), hex(w.k1));
    // Reading commits nothing: a msg2 the caller refuses (wrong host) cannot block the genuine one.
    assert.equal(hex(i.readMessage2(w.bytes).k2), hex(w.k2), 'a second read gives the same keys');
  });
}

test('a generated key pair is fresh and its halves match: copies imported afresh agree on the DH', () => {
  const seen = new Set<string>();
  for (let n = 0; n < 8; n++) {
    const a = generateX25519KeyPair();
    const b = generateX25519KeyPair();
    seen.add(hex(a.privateKey)).add(hex(b.privateKey));
    // Copies are new arrays, so they are imported afresh, not taken from the cached KeyObject.
    const aCopy = x25519KeyPair(Uint8Array.from(a.privateKey));
    assert.equal(hex(aCopy.publicKey), hex(a.publicKey));
    const shared = hex(x25519(a.privateKey, b.publicKey));
    assert.equal(hex(x25519(Uint8Array.from(b.privateKey), a.publicKey)), shared);
    assert.equal(hex(x25519(aCopy.privateKey, b.publicKey)), shared);
    assert.equal(hex(x25519(a.privateKey, x25519PublicKeyObject(b.publicKey))), shared, 'a public key passed as its KeyObject');
  }
  assert.equal(seen.size, 16, 'no private key repeats');
});

test('a cipher mismatch fails at msg2 (docs/PROTOCOL.md "Config keys and defaults")', () => {
  const i = new IxInitiator({ cipher: 'aes', staticKey: generateX25519KeyPair() });
  const r = new IxResponder({ cipher: 'chachapoly', staticKey: generateX25519KeyPair() });
  r.readMessage1(i.writeMessage1(new Uint8Array(0)));
  assert.throws(() => i.readMessage2(r.writeMessage2(new Uint8Array(0)).bytes), isNoise('decrypt-failed'));
});

test('truncated messages are typed errors', () => {
  const { i, r } = pair('aes');
  const m1 = i.writeMessage1(new Uint8Array(0));
  assert.equal(m1.length, 64);
  assert.throws(() => new IxResponder({ cipher: 'aes', staticKey: generateX25519KeyPair() }).readMessage1(m1.subarray(0, 63)), isNoise('truncated'));
  assert.throws(() => new IxResponder({ cipher: 'aes', staticKey: generateX25519KeyPair() }).readMessage1(new Uint8Array(0)), isNoise('truncated'));
  r.readMessage1(m1);
  const w = r.writeMessage2(new Uint8Array(0));
  assert.equal(w.bytes.length, 96);
  assert.throws(() => i.readMessage2(w.bytes.subarray(0, 95)), isNoise('truncated'));
  assert.throws(() => i.readMessage2(new Uint8Array(0)), isNoise('truncated'));
  i.readMessage2(w.bytes);
});

test('out-of-order calls are bad-state', () => {
  const { i, r } = pair('chachapoly');
  assert.throws(() => i.readMessage2(new Uint8Array(96)), isNoise('bad-state'));
  assert.throws(() => r.writeMessage2(new Uint8Array(0)), isNoise('bad-state'));
  const m1 = i.writeMessage1(new Uint8Array(0));
  assert.throws(() => i.writeMessage1(new Uint8Array(0)), isNoise('bad-state'));
  r.readMessage1(m1);
  assert.throws(() => r.readMessage1(m1), isNoise('bad-state'));
  r.writeMessage2(new Uint8Array(0));
  assert.throws(() => r.writeMessage2(new Uint8Array(0)), isNoise('bad-state'));
});

test('low-order peer keys are bad-key (X25519 all-zero output, as Go refuses it)', () => {
  const { i, r } = pair('aes');
  i.writeMessage1(new Uint8Array(0));
  // msg2 with an all-zero ephemeral key.
  assert.throws(() => i.readMessage2(new Uint8Array(96)), isNoise('bad-key'));
  // msg1 with an all-zero static key: accepted in clear, refused when msg2 needs DH(e, rs).
  r.readMessage1(Uint8Array.from([...generateX25519KeyPair().publicKey, ...new Uint8Array(32)]));
  assert.throws(() => r.writeMessage2(new Uint8Array(0)), isNoise('bad-key'));
});

test('options are checked: unknown cipher, key lengths, a public key that is not the private key\'s', () => {
  const good = generateX25519KeyPair();
  const other = generateX25519KeyPair();
  assert.throws(() => new IxInitiator({ cipher: 'aes-gcm' as NoiseCipher, staticKey: good }), isNoise('bad-argument'));
  assert.throws(() => new IxInitiator({ cipher: 'aes', staticKey: { privateKey: new Uint8Array(31), publicKey: good.publicKey } }), isNoise('bad-key'));
  assert.throws(() => new IxResponder({ cipher: 'aes', staticKey: { privateKey: good.privateKey, publicKey: other.publicKey } }), isNoise('bad-key'));
  assert.throws(() => new IxResponder({ cipher: 'aes', staticKey: good, ephemeralKey: { privateKey: other.privateKey, publicKey: good.publicKey } }), isNoise('bad-key'));
});

test('property: random msg1/msg2 bytes only raise NoiseError', () => {
  const s = generateX25519KeyPair();
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
    for (const fn of [
      () => new IxResponder({ cipher: 'aes', staticKey: s }).readMessage1(b),
      () => {
        const r = new IxResponder({ cipher: 'chachapoly', staticKey: s });
        r.readMessage1(b);
        r.writeMessage2(b);
      },
      () => {
        const i = new IxInitiator({ cipher: 'aes', staticKey: s });
        i.writeMessage1(new Uint8Array(0));
        i.readMessage2(b);
      },
    ]) {
      try {
        fn();
      } catch (e) {
        if (!(e instanceof NoiseError)) throw e;
      }
    }
  }), { seed: 12, numRuns: 300 });
});
