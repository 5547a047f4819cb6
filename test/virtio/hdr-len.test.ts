import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_GSO_UDP_L4,
  type VirtioNetHdr,
  correctHdrLen,
  correctHdrLenReason,
} from '../../src/virtio/index.js';
import { buildPacket } from '../packet/packets.js';

// On the forward path the kernel can report hdr_len as the whole first segment.
const FORWARD_HDR_LEN = 1514;

function hdr(gsoType: number, csumStart: number, csumOffset: number): VirtioNetHdr {
  return { flags: VIRTIO_NET_HDR_F_NEEDS_CSUM, gsoType, hdrLen: FORWARD_HDR_LEN, gsoSize: 1448, csumStart, csumOffset };
}

test('ignores a forward-path hdr_len of 1514 and returns IPv4 + TCP with options (data offset 32)', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(4000), tcpOptionsLen: 12 }).bytes;
  const h = hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 16);
  assert.equal(correctHdrLen(h, p, 0, p.length), 52);
  assert.equal(correctHdrLenReason(h, p, 0, p.length), null);
});

test('returns IPv6 + TCP header length for a TCPV6 superpacket', () => {
  const p = buildPacket({ version: 6, proto: 6, payload: new Uint8Array(4000), tcpOptionsLen: 12 }).bytes;
  assert.equal(correctHdrLen(hdr(VIRTIO_NET_HDR_GSO_TCPV6, 40, 16), p, 0, p.length), 72);
});

test('returns csumStart + 8 for UDP over IPv4 and IPv6', () => {
  const p4 = buildPacket({ version: 4, proto: 17, payload: new Uint8Array(4000) }).bytes;
  assert.equal(correctHdrLen(hdr(VIRTIO_NET_HDR_GSO_UDP_L4, 20, 6), p4, 0, p4.length), 28);
  const p6 = buildPacket({ version: 6, proto: 17, payload: new Uint8Array(4000) }).bytes;
  assert.equal(correctHdrLen(hdr(VIRTIO_NET_HDR_GSO_UDP_L4, 40, 6), p6, 0, p6.length), 48);
});

test('reads the TCP header of a packet at an offset in a larger buffer', () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(100), tcpOptionsLen: 12 }).bytes;
  const b = new Uint8Array(10 + p.length);
  b.set(p, 10);
  assert.equal(correctHdrLen(hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 16), b, 10, p.length), 52);
});

test("returns -1 ('bad-csum-start') for csumStart beyond the packet", () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(100) }).bytes;
  const h = hdr(VIRTIO_NET_HDR_GSO_TCPV4, p.length + 10, 16);
  assert.equal(correctHdrLen(h, p, 0, p.length), -1);
  assert.equal(correctHdrLenReason(h, p, 0, p.length), 'bad-csum-start');
  h.csumStart = p.length;
  assert.equal(correctHdrLen(h, p, 0, p.length), -1);
});

test("returns -1 ('bad-csum-start') for csumStart inside the fixed IP header", () => {
  const p4 = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(100) }).bytes;
  assert.equal(correctHdrLenReason(hdr(VIRTIO_NET_HDR_GSO_TCPV4, 0, 16), p4, 0, p4.length), 'bad-csum-start');
  const p6 = buildPacket({ version: 6, proto: 6, payload: new Uint8Array(100) }).bytes;
  const h6 = hdr(VIRTIO_NET_HDR_GSO_TCPV6, 20, 16);
  assert.equal(correctHdrLen(h6, p6, 0, p6.length), -1);
  assert.equal(correctHdrLenReason(h6, p6, 0, p6.length), 'bad-csum-start');
});

test("returns -1 ('bad-l4-header') when the TCP header does not fit", () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(0), tcpOptionsLen: 12 }).bytes;
  const h = hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 16);
  assert.equal(correctHdrLen(h, p, 0, 39), -1);
  assert.equal(correctHdrLenReason(h, p, 0, 39), 'bad-l4-header');
  // Fixed part fits but the options (data offset 32) do not.
  assert.equal(correctHdrLen(h, p, 0, 50), -1);
  assert.equal(correctHdrLenReason(h, p, 0, 50), 'bad-l4-header');
  // A header with no payload is still a header that fits.
  assert.equal(correctHdrLen(h, p, 0, 52), 52);
});

test("returns -1 ('bad-l4-header') for a TCP data offset below 20 bytes", () => {
  const p = buildPacket({ version: 4, proto: 6, payload: new Uint8Array(100) }).bytes;
  p[20 + 12] = 4 << 4;
  const h = hdr(VIRTIO_NET_HDR_GSO_TCPV4, 20, 16);
  assert.equal(correctHdrLen(h, p, 0, p.length), -1);
  assert.equal(correctHdrLenReason(h, p, 0, p.length), 'bad-l4-header');
});

test("returns -1 ('bad-l4-header') when the UDP header does not fit", () => {
  const p = buildPacket({ version: 4, proto: 17, payload: new Uint8Array(0) }).bytes;
  const h = hdr(VIRTIO_NET_HDR_GSO_UDP_L4, 20, 6);
  assert.equal(correctHdrLen(h, p, 0, 27), -1);
  assert.equal(correctHdrLenReason(h, p, 0, 27), 'bad-l4-header');
  assert.equal(correctHdrLen(h, p, 0, 28), 28);
});

test("returns -1 ('unknown-gso-type') for a type that is not TCP or UDP_L4", () => {
  const p = buildPacket({ version: 4, proto: 17, payload: new Uint8Array(100) }).bytes;
  const h = hdr(3, 20, 6);
  assert.equal(correctHdrLen(h, p, 0, p.length), -1);
  assert.equal(correctHdrLenReason(h, p, 0, p.length), 'unknown-gso-type');
});
