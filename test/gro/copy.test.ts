// ByteCopier against Buffer.copy: every alignment, lengths around word
// boundaries, source ranges that end at the very end of their ArrayBuffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteCopier } from '../../src/gro/copy.js';
import { payloadBytes } from './packets.js';

test('ByteCopier copies exactly the range for every source/destination alignment', () => {
  const dstAb = new ArrayBuffer(4096);
  const dst = Buffer.from(dstAb, 8, 4000);
  const copier = new ByteCopier(dstAb);
  const srcAb = new ArrayBuffer(4099); // not a whole number of words
  const src = Buffer.from(srcAb, 3);
  src.set(payloadBytes(src.length, 5));
  const expect = Buffer.alloc(dst.length);
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1448]) {
    for (let so = 0; so < 8; so++) {
      for (let dof = 0; dof < 8; dof++) {
        dst.fill(0xee);
        expect.fill(0xee);
        copier.copy(src, so, dst, dof, n);
        src.copy(expect, dof, so, so + n);
        assert.ok(dst.equals(expect), `n ${n} so ${so} dof ${dof}`);
      }
    }
  }
  // Ranges ending at the last byte of the source ArrayBuffer, every misalignment.
  for (let n = 1; n < 40; n++) {
    for (let dof = 0; dof < 4; dof++) {
      const so = src.length - n;
      dst.fill(0);
      expect.fill(0);
      copier.copy(src, so, dst, dof, n);
      src.copy(expect, dof, so, so + n);
      assert.ok(dst.equals(expect), `tail n ${n} dof ${dof}`);
    }
  }
});

test('ByteCopier follows a change of source buffer', () => {
  const dstAb = new ArrayBuffer(256);
  const dst = Buffer.from(dstAb);
  const copier = new ByteCopier(dstAb);
  const a = Buffer.from(payloadBytes(100, 1));
  const b = Buffer.from(payloadBytes(100, 2));
  copier.copy(a, 1, dst, 0, 50);
  copier.copy(b, 3, dst, 50, 50);
  assert.ok(dst.subarray(0, 50).equals(a.subarray(1, 51)));
  assert.ok(dst.subarray(50, 100).equals(b.subarray(3, 53)));
});
