import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checksumReference,
  ipv4DontFragment,
  ipv4FragmentOffset,
  ipv4HeaderChecksum,
  ipv4HeaderChecksumUpdate,
  ipv4Id,
  ipv4Ihl,
  ipv4IsFragment,
  ipv4MoreFragments,
  ipv4Protocol,
  ipv4TotalLength,
  ipv4Tos,
  ipv4Ttl,
  setIpv4Id,
  setIpv4TotalLength,
  setIpv4Tos,
  setIpv4Ttl,
} from '../../src/packet/index.js';

// A UDP header from 192.168.0.1 to 192.168.0.199 whose checksum is known to be 0xb861.
const header = () =>
  Uint8Array.of(0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7);

test('ipv4HeaderChecksumUpdate stores the known checksum and the header then sums to 0xffff', () => {
  const h = header();
  h[10] = 0xde; // stale value must be ignored
  h[11] = 0xad;
  ipv4HeaderChecksumUpdate(h, 0);
  assert.equal(ipv4HeaderChecksum(h, 0), 0xb861);
  assert.equal(checksumReference(h, 0, 20), 0xffff);
});

test('ipv4HeaderChecksumUpdate covers options and works at a non-zero offset', () => {
  const b = new Uint8Array(3 + 24);
  b.set(header(), 3);
  b[3] = 0x46;
  b.set([0x01, 0x01, 0x01, 0x00], 3 + 20);
  ipv4HeaderChecksumUpdate(b, 3);
  assert.equal(checksumReference(b, 3, 24), 0xffff);
});

test('IPv4 accessors read the fields of a hand-built header', () => {
  const h = header();
  assert.equal(ipv4Ihl(h, 0), 20);
  assert.equal(ipv4Tos(h, 0), 0);
  assert.equal(ipv4TotalLength(h, 0), 0x73);
  assert.equal(ipv4Id(h, 0), 0);
  assert.equal(ipv4DontFragment(h, 0), true);
  assert.equal(ipv4MoreFragments(h, 0), false);
  assert.equal(ipv4FragmentOffset(h, 0), 0);
  assert.equal(ipv4IsFragment(h, 0), false);
  assert.equal(ipv4Ttl(h, 0), 64);
  assert.equal(ipv4Protocol(h, 0), 17);
});

test('IPv4 setters write only their field', () => {
  const h = header();
  setIpv4TotalLength(h, 0, 0xabcd);
  setIpv4Id(h, 0, 0x1_2345);
  setIpv4Ttl(h, 0, 3);
  setIpv4Tos(h, 0, 0xb8);
  assert.equal(ipv4TotalLength(h, 0), 0xabcd);
  assert.equal(ipv4Id(h, 0), 0x2345);
  assert.equal(ipv4Ttl(h, 0), 3);
  assert.equal(ipv4Tos(h, 0), 0xb8);
  assert.deepEqual([...h.subarray(6, 8)], [0x40, 0x00]);
  assert.equal(ipv4Protocol(h, 0), 17);
});

test('fragment fields: MF and a non-zero offset each mark a fragment', () => {
  const h = header();
  h[6] = 0x20; // MF, offset 0
  h[7] = 0x00;
  assert.equal(ipv4MoreFragments(h, 0), true);
  assert.equal(ipv4DontFragment(h, 0), false);
  assert.equal(ipv4IsFragment(h, 0), true);
  h[6] = 0x01; // last fragment at offset 0x100 * 8 bytes
  assert.equal(ipv4MoreFragments(h, 0), false);
  assert.equal(ipv4FragmentOffset(h, 0), 0x100);
  assert.equal(ipv4IsFragment(h, 0), true);
});
