import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  VIRTIO_NET_HDR_GSO_ECN,
  VIRTIO_NET_HDR_GSO_NONE,
  VIRTIO_NET_HDR_GSO_TCPV4,
  VIRTIO_NET_HDR_GSO_TCPV6,
  VIRTIO_NET_HDR_GSO_UDP,
  VIRTIO_NET_HDR_GSO_UDP_L4,
  gsoProto,
  gsoTypeFor,
} from '../../src/virtio/index.js';

test('gsoProto maps TCPV4/TCPV6 to tcp and UDP_L4 to udp, ignoring the ECN bit', () => {
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_TCPV4), 'tcp');
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_TCPV6), 'tcp');
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN), 'tcp');
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_TCPV6 | VIRTIO_NET_HDR_GSO_ECN), 'tcp');
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_UDP_L4), 'udp');
});

test('gsoProto is null for NONE, legacy UFO and unknown types', () => {
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_NONE), null);
  assert.equal(gsoProto(VIRTIO_NET_HDR_GSO_UDP), null);
  assert.equal(gsoProto(2), null);
  assert.equal(gsoProto(0x7f), null);
});

test('gsoTypeFor picks the type by protocol and IP version and refuses other versions', () => {
  assert.equal(gsoTypeFor('tcp', 4), VIRTIO_NET_HDR_GSO_TCPV4);
  assert.equal(gsoTypeFor('tcp', 6), VIRTIO_NET_HDR_GSO_TCPV6);
  assert.equal(gsoTypeFor('udp', 4), VIRTIO_NET_HDR_GSO_UDP_L4);
  assert.equal(gsoTypeFor('udp', 6), VIRTIO_NET_HDR_GSO_UDP_L4);
  assert.throws(() => gsoTypeFor('tcp', 5), RangeError);
});
