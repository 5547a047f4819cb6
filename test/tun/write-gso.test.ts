// writeGSO: every bad geometry is refused before any syscall, and good
// geometry produces the virtio header and headers the kernel expects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeometryError, OffloadUnavailableError } from '../../src/index.js';
import * as virtio from '../../src/virtio/index.js';
import { fifoQueue } from '../helpers/fifo-queue.js';
import { ipv4HeaderVerifies, l4ChecksumVerifies } from '../helpers/checksum.js';

const FULL = { vnetHdr: true, tso: true, uso: true };

function ipv4(proto: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(0x4000, 6);
  h[8] = 64;
  h[9] = proto;
  Buffer.from([198, 18, 0, 1]).copy(h, 12);
  Buffer.from([198, 18, 0, 2]).copy(h, 16);
  return h;
}
function ipv6(proto: number): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h[6] = proto;
  h[7] = 64;
  h[8] = 0xfd;
  h[23] = 1;
  h[24] = 0xfd;
  h[39] = 2;
  return h;
}
function tcp(optionBytes = 0): Buffer {
  const h = Buffer.alloc(20 + optionBytes, 0);
  h.writeUInt16BE(40000, 0);
  h.writeUInt16BE(5201, 2);
  h.writeUInt32BE(1000, 4);
  h[12] = ((20 + optionBytes) / 4) << 4;
  h[13] = 0x10;
  h.writeUInt16BE(512, 14);
  if (optionBytes) h.fill(1, 20); // NOPs
  return h;
}
function udp(): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(40000, 0);
  h.writeUInt16BE(4242, 2);
  return h;
}
const pay = (n: number, fill = 7): Buffer => Buffer.alloc(n, fill);

const BAD: [string, () => [Buffer, Buffer, Buffer[], 'tcp' | 'udp']][] = [
  ['no payloads', () => [ipv4(6), tcp(), [], 'tcp']],
  ['leading empty fragment', () => [ipv4(6), tcp(), [pay(0), pay(100)], 'tcp']],
  ['middle fragment differs from the first', () => [ipv4(6), tcp(), [pay(100), pay(99), pay(50)], 'tcp']],
  ['last fragment longer than the first', () => [ipv4(6), tcp(), [pay(100), pay(101)], 'tcp']],
  ['total over 65535', () => [ipv4(6), tcp(), Array.from({ length: 50 }, () => pay(1400)), 'tcp']],
  ['IP version 5', () => { const h = ipv4(6); h[0] = 0x55; return [h, tcp(), [pay(10)], 'tcp']; }],
  ['IPv4 header shorter than its IHL', () => [ipv4(6).subarray(0, 16), tcp(), [pay(10)], 'tcp']],
  ['more than 256 iovecs', () => [ipv4(17), udp(), Array.from({ length: 254 }, () => pay(1)), 'udp']],
  ['TCP header length not matching data offset', () => [ipv4(6), tcp().subarray(0, 18), [pay(10)], 'tcp']],
  ['UDP header not 8 bytes', () => [ipv4(17), tcp(), [pay(10)], 'udp']],
  ['IP protocol not matching proto', () => [ipv4(17), tcp(), [pay(10)], 'tcp']],
];

for (const [name, make] of BAD) {
  test(`writeGSO refuses ${name} with GeometryError before any syscall`, async () => {
    const f = fifoQueue(FULL);
    try {
      const [ip, l4, payloads, proto] = make();
      await assert.rejects(f.queue.writeGSO(ip, l4, payloads, proto), GeometryError);
      assert.equal(f.drain().length, 0, 'nothing reached the fd');
      assert.equal(f.queue.stats().txErrors, 1);
    } finally {
      f.dispose();
    }
  });
}

test('writeGSO of several TCPv4 segments sends NEEDS_CSUM, TCPV4, gso_size and whole-packet lengths', async () => {
  const f = fifoQueue(FULL);
  try {
    const ip = ipv4(6);
    const th = tcp(12);
    const payloads = [pay(1000, 1), pay(1000, 2), pay(300, 3)];
    await f.queue.writeGSO(ip, th, payloads, 'tcp');
    const out = f.drain();
    const h = virtio.decodeHeader(out, 0, virtio.newHeader());
    assert.equal(h.flags, virtio.VIRTIO_NET_HDR_F_NEEDS_CSUM);
    assert.equal(h.gsoType, virtio.VIRTIO_NET_HDR_GSO_TCPV4);
    assert.equal(h.gsoSize, 1000);
    assert.equal(h.hdrLen, 20 + 32);
    assert.equal(h.csumStart, 20);
    assert.equal(h.csumOffset, 16);
    const pkt = out.subarray(10);
    assert.equal(pkt.length, 20 + 32 + 2300);
    assert.equal(pkt.readUInt16BE(2), pkt.length, 'IPv4 total length covers the superpacket');
    assert.ok(ipv4HeaderVerifies(pkt, 0));
    // Finishing the partial checksum as the kernel would must give a valid one.
    virtio.finishChecksum(pkt, 0, pkt.length, h.csumStart, h.csumOffset);
    assert.ok(l4ChecksumVerifies(pkt, 0, pkt.length, 20, 6));
    assert.deepEqual(ip, ipv4(6), "caller's IP header untouched");
    assert.equal(f.queue.stats().txSuperpackets, 1);
  } finally {
    f.dispose();
  }
});

test('writeGSO of UDPv6 segments sends UDP_L4 with UDP and IPv6 payload lengths set', async () => {
  const f = fifoQueue(FULL, 'copy');
  try {
    await f.queue.writeGSO(ipv6(17), udp(), [pay(500), pay(500), pay(1)], 'udp');
    const out = f.drain();
    const h = virtio.decodeHeader(out, 0, virtio.newHeader());
    assert.equal(h.gsoType, virtio.VIRTIO_NET_HDR_GSO_UDP_L4);
    assert.equal(h.gsoSize, 500);
    assert.equal(h.csumOffset, 6);
    const pkt = out.subarray(10);
    assert.equal(pkt.readUInt16BE(4), 8 + 1001, 'IPv6 payload length');
    assert.equal(pkt.readUInt16BE(40 + 4), 8 + 1001, 'UDP length');
    virtio.finishChecksum(pkt, 0, pkt.length, h.csumStart, h.csumOffset);
    assert.ok(l4ChecksumVerifies(pkt, 0, pkt.length, 40, 17));
  } finally {
    f.dispose();
  }
});

test('writeGSO of one payload is an ordinary packet (GSO_NONE)', async () => {
  const f = fifoQueue(FULL);
  try {
    await f.queue.writeGSO(ipv4(6), tcp(), [pay(77)], 'tcp');
    const h = virtio.decodeHeader(f.drain(), 0, virtio.newHeader());
    assert.equal(h.gsoType, virtio.VIRTIO_NET_HDR_GSO_NONE);
    assert.equal(h.gsoSize, 0);
  } finally {
    f.dispose();
  }
});

test('writeGSO without TSO refuses several TCP segments with OffloadUnavailableError', async () => {
  const f = fifoQueue({ vnetHdr: true, tso: false, uso: false });
  try {
    await assert.rejects(f.queue.writeGSO(ipv4(6), tcp(), [pay(10), pay(10)], 'tcp'), OffloadUnavailableError);
    assert.equal(f.drain().length, 0);
  } finally {
    f.dispose();
  }
});

test('writeGSO of one payload on a plain queue computes the full checksum itself', async () => {
  const f = fifoQueue({ vnetHdr: false, tso: false, uso: false });
  try {
    await f.queue.writeGSO(ipv4(17), udp(), [pay(333, 9)], 'udp');
    const pkt = f.drain();
    assert.equal(pkt.length, 20 + 8 + 333, 'no vnet header on a plain queue');
    assert.ok(ipv4HeaderVerifies(pkt, 0));
    assert.ok(l4ChecksumVerifies(pkt, 0, pkt.length, 20, 17));
  } finally {
    f.dispose();
  }
});

test('write refuses non-IP bytes with BadPacketError before any syscall', async () => {
  const f = fifoQueue(FULL);
  try {
    await assert.rejects(f.queue.write(Buffer.from('hello world, this is not IP')), { code: 'ERR_TIO_BAD_PACKET' });
    await assert.rejects(f.queue.write(Buffer.alloc(30, 0x60)), { code: 'ERR_TIO_BAD_PACKET' }, 'IPv6 shorter than 40');
    assert.equal(f.drain().length, 0);
    const ok = Buffer.concat([ipv4(17), udp(), pay(4)]);
    await f.queue.write(ok);
    const out = f.drain();
    assert.deepEqual(out.subarray(0, 10), Buffer.alloc(10), 'plain write: zero vnet header, no DATA_VALID (docs/tun-writes.md)');
    assert.deepEqual(out.subarray(10), ok);
  } finally {
    f.dispose();
  }
});
