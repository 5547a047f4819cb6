// RelayTag: the relayed-packet tag is the AEAD of an empty plaintext over header and body, under the
// header counter's nonce, for both ciphers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { RelayTag } from '../../../src/tunnel/relay/index.js';
import { encodeHeader } from '../../../src/tunnel/wire/index.js';

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);

function packet(counter: number, body: string): Buffer {
  const b = Buffer.alloc(16 + body.length + 16);
  encodeHeader(b, 0, 1, 1, 0x01020304, counter);
  b.write(body, 16);
  return b;
}

test('an AES tag equals GCM over an empty plaintext with header and body as AD and the big-endian counter nonce', () => {
  const p = packet(7, 'inner packet bytes');
  assert.ok(new RelayTag('aes', k1, k2).sign(p, 0, p.length));
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(7, 8);
  const c = createCipheriv('aes-256-gcm', k1, nonce);
  c.setAAD(p.subarray(0, p.length - 16));
  c.final();
  assert.deepEqual(p.subarray(p.length - 16), c.getAuthTag());
});

for (const cipher of ['aes', 'chachapoly'] as const) {
  test(`${cipher}: a packet signed on one side's send key verifies on the other side's receive key, and a flipped body bit does not`, () => {
    const sender = new RelayTag(cipher, k1, k2);
    const receiver = new RelayTag(cipher, k2, k1);
    const p = packet(3, 'x'.repeat(100));
    sender.sign(p, 0, p.length);
    assert.equal(receiver.verify(p, 0, p.length), true);
    p[40]! ^= 1;
    assert.equal(receiver.verify(p, 0, p.length), false);
  });
}

test('a closed tag signs and verifies nothing, and packets shorter than header and tag fail', () => {
  const t = new RelayTag('aes', k1, k1);
  assert.equal(t.verify(Buffer.alloc(31), 0, 31), false);
  const p = packet(3, 'abc');
  t.sign(p, 0, p.length);
  t.close();
  assert.equal(t.verify(p, 0, p.length), false);
  assert.equal(t.sign(p, 0, p.length), false);
});
