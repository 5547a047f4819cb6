import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  REJECT_REASONS,
  VIRTIO_NET_HDR_F_DATA_VALID,
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_F_RSC_INFO,
  VIRTIO_NET_HDR_GSO_ECN,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_GSO_UDP,
  VIRTIO_NET_HDR_GSO_UDP_L4,
  type VirtioNetHdr,
  checkValid,
} from '../../src/virtio/index.js';
import { buildPacket } from '../packet/packets.js';

const v4tcp = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(3000) }).bytes;
const v6tcp = buildPacket({ version: 6, proto: 6, payload: new Uint8Array(3000) }).bytes;
const v4udp = buildPacket({ version: 4, proto: 17, payload: new Uint8Array(3000) }).bytes;
const v6udp = buildPacket({ version: 6, proto: 17, payload: new Uint8Array(3000) }).bytes;

function superHdr(gsoType: number, ipLen: number, csumOffset: number): VirtioNetHdr {
  return { flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gsoType, hdrLen: 0, gsoSize: 1448, csumStart: ipLen, csumOffset };
}
const plain = (): VirtioNetHdr => ({ flags: 0, gsoType: VIRTIO_NET_HDR_GSO_NONE, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0 });

test('REJECT_REASONS lists each reason once', () => {
  assert.equal(new Set(REJECT_REASONS).size, REJECT_REASONS.length);
  assert.equal(REJECT_REASONS.length, 10);
});

test('accepts a valid TCPv4 superpacket header', () => {
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 16), v4tcp, 0, v4tcp.length), null);
});

test('accepts a valid TCPv4 superpacket header with the ECN bit', () => {
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 20, 16), v4tcp, 0, v4tcp.length), null);
});

test('accepts a valid TCPv6 superpacket header', () => {
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV6, 40, 16), v6tcp, 0, v6tcp.length), null);
});

test('accepts a valid UDP_L4 superpacket header over IPv4 and IPv6', () => {
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_UDP_L4, 20, 6), v4udp, 0, v4udp.length), null);
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_UDP_L4, 40, 6), v6udp, 0, v6udp.length), null);
});

test('accepts a plain packet with or without checksum flags', () => {
  assert.equal(checkValid(plain(), v4tcp, 0, 40), null);
  assert.equal(checkValid({ ...plain(), flags: VIRTIO_NET_HDR_F_DATA_VALID }, v6udp, 0, 48), null);
});

test("rejects the RSC_INFO flag as 'rsc-info'", () => {
  assert.equal(checkValid({ ...plain(), flags: VIRTIO_NET_HDR_F_RSC_INFO }, v4tcp, 0, v4tcp.length), 'rsc-info');
});

test("rejects a packet under 20 bytes as 'too-short'", () => {
  assert.equal(checkValid(plain(), v4tcp, 0, 19), 'too-short');
  assert.equal(checkValid(plain(), v4tcp, 0, 0), 'too-short');
});

test("rejects an IPv6 packet under 40 bytes as 'too-short'", () => {
  assert.equal(checkValid(plain(), v6tcp, 0, 39), 'too-short');
  assert.equal(checkValid(plain(), v6tcp, 0, 40), null);
});

test("rejects gso_size 0 on a superpacket as 'gso-size-zero'", () => {
  assert.equal(checkValid({ ...superHdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 16), gsoSize: 0 }, v4tcp, 0, v4tcp.length), 'gso-size-zero');
});

test("rejects the ECN bit on a non-TCP type as 'ecn-non-tcp'", () => {
  const h = superHdr(VIRTIO_NET_HDR_GSO_UDP_L4 | VIRTIO_NET_HDR_GSO_ECN, 20, 6);
  assert.equal(checkValid(h, v4udp, 0, v4udp.length), 'ecn-non-tcp');
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_ECN, 20, 6), v4udp, 0, v4udp.length), 'ecn-non-tcp');
});

test("rejects TCPV4 on IPv6, TCPV6 on IPv4 and UDP_L4 on neither as 'ip-version-mismatch'", () => {
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV4, 40, 16), v6tcp, 0, v6tcp.length), 'ip-version-mismatch');
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV6, 20, 16), v4tcp, 0, v4tcp.length), 'ip-version-mismatch');
  const bad = v4udp.slice();
  bad[0] = 0x55;
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_UDP_L4, 20, 6), bad, 0, bad.length), 'ip-version-mismatch');
});

test("rejects legacy UFO (GSO_UDP) as 'legacy-ufo'", () => {
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_UDP, 20, 6), v4udp, 0, v4udp.length), 'legacy-ufo');
});

test("rejects an unknown gso_type as 'unknown-gso-type'", () => {
  assert.equal(checkValid(superHdr(2, 20, 16), v4tcp, 0, v4tcp.length), 'unknown-gso-type');
  assert.equal(checkValid(superHdr(0x7f, 20, 16), v4tcp, 0, v4tcp.length), 'unknown-gso-type');
});

test('checks the packet at its offset in a larger buffer', () => {
  const b = new Uint8Array(7 + v6tcp.length);
  b.set(v6tcp, 7);
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV6, 40, 16), b, 7, v6tcp.length), null);
  assert.equal(checkValid(superHdr(VIRTIO_NET_HDR_GSO_TCPV4, 40, 16), b, 7, v6tcp.length), 'ip-version-mismatch');
});
