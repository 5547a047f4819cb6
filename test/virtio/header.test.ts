import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { test } from 'node:test';
import { VNET_HDR_LEN, decodeHeader, encodeHeader, newHeader } from '../../src/virtio/index.js';
import { makeRng } from '../packet/packets.js';

test('newHeader is all zeros', () => {
  assert.deepEqual(newHeader(), { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 });
});

test('encodeHeader then decodeHeader round-trips random field values at any offset', () => {
  const rng = makeRng(30);
  const buf = new Uint8Array(VNET_HDR_LEN + 7);
  const out = newHeader();
  for (let i = 0; i < 1000; i++) {
    const h = {
      flags: rng() & 0xff,
      gsoType: rng() & 0xff,
      hdrLen: rng() & 0xffff,
      gsoSize: rng() & 0xffff,
      csumStart: rng() & 0xffff,
      csumOffset: rng() & 0xffff,
    };
    const off = i % 8;
    encodeHeader(h, buf, off);
    assert.equal(decodeHeader(buf, off, out), out);
    assert.deepEqual(out, h);
  }
});

test('u16 fields are stored in host byte order at their virtio_net.h offsets', () => {
  const buf = new Uint8Array(VNET_HDR_LEN);
  encodeHeader({ flags: 1, gsoType: 4, hdrLen: 0x0102, gsoSize: 0x0304, csumStart: 0x0506, csumOffset: 0x0708 }, buf, 0);
  const le = endianness() === 'LE';
  const u16 = (v: number) => (le ? [v & 0xff, v >>> 8] : [v >>> 8, v & 0xff]);
  assert.deepEqual([...buf], [1, 4, ...u16(0x0102), ...u16(0x0304), ...u16(0x0506), ...u16(0x0708)]);
});
