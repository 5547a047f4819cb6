import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type L4Info, ipVersion, l4Info } from '../../src/packet/index.js';
import { buildPacket } from './packets.js';

const out = (): L4Info => ({ version: -1, proto: -1, l4Offset: -1, ipHdrLen: -1, fragment: true });

test('ipVersion reads the version nibble', () => {
  assert.equal(ipVersion(Uint8Array.of(0x45), 0), 4);
  assert.equal(ipVersion(Uint8Array.of(0, 0x60), 1), 6);
});

test('l4Info finds TCP after a 20-byte IPv4 header', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(5) });
  const o = out();
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, o), true);
  assert.deepEqual(o, { version: 4, proto: 6, l4Offset: 20, ipHdrLen: 20, fragment: false });
});

test('l4Info uses the IPv4 IHL, options included, at a non-zero offset', () => {
  const b = new Uint8Array(2 + 24 + 8);
  b[2] = 0x46;
  b[2 + 9] = 17;
  const o = out();
  assert.equal(l4Info(b, 2, 32, o), true);
  assert.deepEqual(o, { version: 4, proto: 17, l4Offset: 26, ipHdrLen: 24, fragment: false });
});

test('l4Info rejects an IHL below 5, an IHL beyond the packet and a packet under 20 bytes', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(0) });
  p.bytes[0] = 0x44;
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, out()), false);
  p.bytes[0] = 0x4f; // 60 bytes of header in a 40-byte packet
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, out()), false);
  p.bytes[0] = 0x45;
  assert.equal(l4Info(p.bytes, 0, 19, out()), false);
  assert.equal(l4Info(p.bytes, 0, 0, out()), false);
});

test('l4Info finds UDP in IPv6 through an extension header', () => {
  const p = buildPacket({ version: 6, proto: 17, payload: new Uint8Array(4) });
  const b = new Uint8Array(p.bytes.length + 8);
  b.set(p.bytes.subarray(0, 40), 0);
  b.set(p.bytes.subarray(40), 48);
  b[6] = 0; // hop-by-hop, 8 bytes
  b[40] = 17;
  const o = out();
  assert.equal(l4Info(b, 0, b.length, o), true);
  assert.deepEqual(o, { version: 6, proto: 17, l4Offset: 48, ipHdrLen: 48, fragment: false });
});

test('l4Info rejects versions other than 4 and 6 and truncated IPv6', () => {
  const p = buildPacket({ version: 6, proto: 6, payload: new Uint8Array(0) });
  assert.equal(l4Info(p.bytes, 0, 39, out()), false);
  p.bytes[0] = 0x50;
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, out()), false);
});

test('l4Info marks IPv4 fragments (MF or a non-zero offset) and not whole packets', () => {
  const p = buildPacket({ version: 4, proto: 17, payload: new Uint8Array(8) });
  const o = out();
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, o), true);
  assert.equal(o.fragment, false);
  p.bytes[6] = 0x20; // MF
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, o), true);
  assert.equal(o.fragment, true);
  p.bytes[6] = 0x00;
  p.bytes[7] = 0x01; // offset 8 bytes, last fragment
  assert.equal(l4Info(p.bytes, 0, p.bytes.length, o), true);
  assert.equal(o.fragment, true);
});
