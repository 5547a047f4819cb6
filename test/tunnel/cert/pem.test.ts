// PEM armour: Go's pem.Encode layout, several blocks, skipped text between blocks,
// and typed refusals for broken armour.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CertError, decodePem, encodePem } from '../../../src/tunnel/cert/index.js';

const isBadPem = (e: unknown): boolean => e instanceof CertError && e.reason === 'bad-pem';

test('encodePem wraps at 64 characters and ends with a newline, as pem.EncodeToMemory', () => {
  const bytes = Uint8Array.from({ length: 100 }, (_, i) => i);
  const pem = encodePem('NEBULA CERTIFICATE', bytes);
  const lines = pem.split('\n');
  assert.equal(lines[0], '-----BEGIN NEBULA CERTIFICATE-----');
  // 100 bytes -> 136 base64 characters -> lines of 64, 64 and 8.
  assert.deepEqual(lines.slice(1, 4).map((l) => l.length), [64, 64, 8]);
  assert.equal(lines[4], '-----END NEBULA CERTIFICATE-----');
  assert.equal(lines[5], '');
  assert.equal(lines.length, 6);
  assert.equal(encodePem('X', new Uint8Array(0)), '-----BEGIN X-----\n-----END X-----\n');
  assert.deepEqual([...decodePem(pem)[0]!.bytes], [...bytes]);
});

test('several blocks, CRLF, trailing spaces, text before and between blocks, headers', () => {
  const text = 'leading text\n' + encodePem('A', Uint8Array.of(1, 2, 3)).replace(/\n/g, '\r\n') +
    'junk between\n-----BEGIN B-----   \nProc-Type: 4,ENCRYPTED\n\nBAU=\n-----END B-----\n\n  \n';
  const blocks = decodePem(new TextEncoder().encode(text));
  assert.deepEqual(blocks.map((b) => b.type), ['A', 'B']);
  assert.deepEqual([...blocks[0]!.bytes], [1, 2, 3]);
  assert.deepEqual([...blocks[1]!.bytes], [4, 5]);
});

test('broken armour is CertError bad-pem', () => {
  assert.throws(() => decodePem(''), isBadPem);
  assert.throws(() => decodePem('just text'), isBadPem);
  assert.throws(() => decodePem('-----BEGIN A-----\nAQID\n'), isBadPem);
  assert.throws(() => decodePem('-----BEGIN A-----\nAQID\n-----END B-----\n'), isBadPem);
  assert.throws(() => decodePem('-----BEGIN A-----\nAQI*\n-----END A-----\n'), isBadPem);
  assert.throws(() => decodePem('-----BEGIN A-----\nAQI\n-----END A-----\n'), isBadPem);
  assert.throws(() => decodePem(encodePem('A', Uint8Array.of(1)) + 'trailing garbage\n'), isBadPem);
});
