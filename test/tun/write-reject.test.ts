// Queue.writeReject: the reject goes out from the queue's own scratch, behind a write parked on
// EAGAIN and never disturbing it (a FIFO stands in for the TUN, no root); and on a real TUN the
// kernel's own sockets take the rejects: an RST fails a TCP connect with ECONNREFUSED, an
// ICMP / ICMPv6 "administratively prohibited" fails a connected UDP socket with EHOSTUNREACH /
// EACCES (Linux icmp_err_convert / icmpv6_err_convert), over IPv4 and IPv6. The overlay carries
// IPv4 only (nebula 1.6.1), so this is where IPv6 rejects meet a kernel.
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { after, test } from 'node:test';
import { ClosedError, TunDevice, type Queue } from '../../src/index.js';
import { REJECT_MAX_LEN, buildRejectPacket } from '../../src/packet/index.js';
import { ipv4HeaderVerifies } from '../helpers/checksum.js';
import { fifoQueue } from '../helpers/fifo-queue.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { probe } from '../helpers/probe.js';
import { waitFor } from '../../kit/wait.js';
import { SYN, build } from '../../kit/packet.js';

after(destroyAll);

/** An IPv4 TCP SYN 198.18.0.1:40000 -> 198.18.0.2:80 with a valid header checksum. */
function syn(): Buffer {
  return build({ version: 4, proto: 'tcp', sport: 40000, dport: 80, seq: 7, ack: 0, flags: SYN, window: 0, id: 0, df: false, tcpNoChecksum: true });
}

function rejectOf(pkt: Buffer): Buffer {
  const out = Buffer.alloc(REJECT_MAX_LEN);
  return out.subarray(0, buildRejectPacket(pkt, 0, pkt.length, out, 0));
}

test('a reject behind a write parked on EAGAIN keeps its own bytes and its place; another while it waits is skipped', async () => {
  const f = fifoQueue({ vnetHdr: true, tso: true, uso: true });
  try {
    // Fill the FIFO: 4096-byte writes are atomic, so EAGAIN means not one more byte fits.
    const fd = f.queue.fileDescriptor;
    let filled = 0;
    for (let i = 0; i < 1024; i++) {
      try {
        filled += writeSync(fd, Buffer.alloc(4096, 0xaa));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        break;
      }
    }
    assert.ok(filled > 0 && filled < 1024 * 4096, `the FIFO filled up (${filled} bytes)`);
    const ip = syn().subarray(0, 20);
    const th = syn().subarray(20);
    th[13] = 0x10;
    let gsoDone = false;
    const gso = f.queue.writeGSO(ip, th, [Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)], 'tcp').then(() => {
      gsoDone = true;
    });
    const first = rejectOf(syn());
    const expected = Buffer.from(first);
    let rejectDone: boolean | null = null;
    const r1 = f.queue.writeReject(first, 0, first.length).then((ok) => {
      rejectDone = ok;
    });
    first.fill(0x55); // the caller reuses its buffer at once
    assert.equal(await f.queue.writeReject(rejectOf(syn()), 0, first.length), false, 'the second reject is skipped while the first waits');
    let got = Buffer.alloc(0);
    await waitFor(() => {
      got = Buffer.concat([got, f.drain()]);
      return gsoDone && rejectDone !== null;
    }, 10_000, 'the parked writes to complete');
    await Promise.all([gso, r1]);
    assert.equal(rejectDone, true);
    got = Buffer.concat([got, f.drain()]);
    const gsoLen = 10 + 40 + 2000;
    assert.equal(got.length, filled + gsoLen + 10 + expected.length, 'filler, the superpacket, one reject');
    const sp = got.subarray(filled, filled + gsoLen);
    assert.equal(sp[1], 1, 'GSO_TCPV4 vnet header');
    assert.ok(sp.subarray(50, 1050).every((b) => b === 1) && sp.subarray(1050).every((b) => b === 2), 'superpacket payload intact');
    const rj = got.subarray(filled + gsoLen);
    assert.ok(rj.subarray(0, 10).every((b) => b === 0), 'plain vnet header');
    assert.deepEqual(rj.subarray(10), expected, 'the reject as it was when handed over');
    assert.ok(ipv4HeaderVerifies(rj, 10));
  } finally {
    f.dispose();
  }
});

test('writeReject refuses what is not a reject-sized IP packet', async () => {
  const f = fifoQueue({ vnetHdr: true, tso: true, uso: true });
  try {
    await assert.rejects(f.queue.writeReject(Buffer.alloc(REJECT_MAX_LEN + 1, 0x45)), { code: 'ERR_TIO_BAD_PACKET' });
    await assert.rejects(f.queue.writeReject(Buffer.alloc(10, 0x45)), { code: 'ERR_TIO_BAD_PACKET' });
    await assert.rejects(f.queue.writeReject(Buffer.alloc(40, 0x45), 30, 20), { code: 'ERR_TIO_BAD_PACKET' });
    assert.equal(f.drain().length, 0, 'nothing written');
  } finally {
    f.dispose();
  }
});

const skip = rootSkipReason();
const HERE4 = '198.18.77.1';
const THERE4 = '198.18.77.2';
const HERE6 = 'fd00:77::1';
const THERE6 = 'fd00:77::2';

/** Answers every packet read from q for THERE4/THERE6 with its reject; resolves with the count once q closes. */
async function rejectAll(q: Queue): Promise<number> {
  const scratch = Buffer.alloc(REJECT_MAX_LEN);
  let n = 0;
  try {
    for (;;) {
      const batch = await q.read();
      for (const p of batch) {
        const b = p.buf;
        const v = b[p.off]! >>> 4;
        const toThere = v === 4 ? b[p.off + 19] === 2 && b[p.off + 16] === 198 : v === 6 && b[p.off + 39] === 2 && b[p.off + 24] === 0xfd;
        if (!toThere) continue; // router solicitations, MLD reports
        const len = buildRejectPacket(b, p.off, p.len, scratch, 0);
        if (len > 0 && (await q.writeReject(scratch, 0, len))) n++;
      }
    }
  } catch (e) {
    if (!(e instanceof ClosedError)) throw e;
  }
  return n;
}

test('the kernel takes writeReject\'s rejects: TCP connect ECONNREFUSED, connected UDP EHOSTUNREACH (IPv4) / EACCES (IPv6)', { skip, timeout: 120_000 }, async () => {
  const ns = Netns.create('rjq');
  const dev = TunDevice.open({ name: 'rjq0', netns: ns.name, mtu: 1500, addresses: [`${HERE4}/24`, `${HERE6}/64`] });
  const answering = rejectAll(dev.queues[0]!);
  try {
    const tcp4 = await probe(ns, 'tcp', THERE4, 7000);
    assert.equal(tcp4.error, 'ECONNREFUSED', `IPv4 TCP: ${JSON.stringify(tcp4)}`);
    assert.ok(tcp4.ms < 1000, `refused within a second (${tcp4.ms} ms)`);
    const tcp6 = await probe(ns, 'tcp', THERE6, 7000);
    assert.equal(tcp6.error, 'ECONNREFUSED', `IPv6 TCP: ${JSON.stringify(tcp6)}`);
    assert.ok(tcp6.ms < 1000, `refused within a second (${tcp6.ms} ms)`);
    const udp4 = await probe(ns, 'udp', THERE4, 7001);
    assert.equal(udp4.error, 'EHOSTUNREACH', `IPv4 UDP, ICMP 3/13: ${JSON.stringify(udp4)}`);
    const udp6 = await probe(ns, 'udp', THERE6, 7001);
    assert.equal(udp6.error, 'EACCES', `IPv6 UDP, ICMPv6 1/1: ${JSON.stringify(udp6)}`);
  } finally {
    dev.close();
    const n = await answering;
    ns.destroy();
    assert.ok(n >= 4, `${n} rejects written`);
  }
});
