// Offload negotiation failures, made real with strace fault injection on the
// TUNSETOFFLOAD ioctls of a child (this kernel accepts every mask tio asks for):
// 'auto' falls back to a plain TUN that carries traffic, and a mask the first
// queue accepted but a later queue refuses fails the open cleanly.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { IFF_MULTI_QUEUE, IFF_VNET_HDR, MASK_TSO, MASK_TSO_USO } from '../../src/tun/index.js';
import { nativeAvailable } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { injected, runTraced, straceSkipReason } from '../helpers/strace.js';

const skip = !nativeAvailable ? 'native addon not built' : rootSkipReason() ?? straceSkipReason;
let ns: Netns;
before(() => {
  if (skip) return;
  ns = Netns.create('sfallback');
  // No IPv6: router solicitations would be read instead of the echo reply.
  ns.disableIpv6();
});
after(destroyAll);

const hex = (n: number): string => `0x${n.toString(16)}`;

test("'auto' with every offload mask refused reopens a plain multi-queue TUN that carries an echo end to end and refuses GSO writes", { skip, timeout: 60_000 }, async () => {
  // TUN ioctls in order: TUNSETIFF, TUNSETOFFLOAD (TSO+USO), TUNSETOFFLOAD (TSO): the two masks are refused.
  const { result, log } = await runTraced(ns, ['ioctl'], ['ioctl:error=EINVAL:when=2..3'], `
    const d = tio.TunDevice.open({ name: 'tsfb0', queues: 2, addresses: ['198.18.93.1/24'] });
    const out = { caps: d.capabilities, mask: d.offloadMask, flags: d.queues.map((q) => native.tunGetFlags(q.fileDescriptor)) };
    // The kernel answers on whichever queue its flow hash picks: read both.
    const reads = d.queues.map((q, i) => q.read().then((b) => ({ queue: i, packets: b.map((p) => ({
      len: p.len, gso: p.gso !== null, reply: isEchoReplyV4(p.buf, p.off, p.len, 0x7e57, 1) })) })));
    await d.queues[0].write(icmpEchoV4('198.18.93.2', '198.18.93.1', 0x7e57, 1));
    let timer;
    out.read = await Promise.race([...reads, new Promise((r) => (timer = setTimeout(() => r('no reply within 10 s'), 10000)))]);
    clearTimeout(timer);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45; ip[8] = 64; ip[9] = 17;
    ip.set([198, 18, 93, 2], 12); ip.set([198, 18, 93, 1], 16);
    out.gso = await d.queues[1].writeGSO(ip, Buffer.alloc(8), [Buffer.alloc(100), Buffer.alloc(100)], 'udp').then(() => 'written', (e) => e.code);
    d.close();
    out.others = (await Promise.allSettled(reads)).map((s) => s.status === 'rejected' ? s.reason.code : 'read');
    console.log(JSON.stringify(out));
  `);
  assert.equal(result.code, 0, result.stderr);
  const inj = injected(log);
  assert.equal(inj.length, 2, log.join('\n'));
  assert.match(inj[0]!, new RegExp(`TUNSETOFFLOAD, ${hex(MASK_TSO_USO)}\\)`));
  assert.match(inj[1]!, new RegExp(`TUNSETOFFLOAD, ${hex(MASK_TSO)}\\)`));
  // The refused fd was closed and the device made again without a vnet header, then queue 1 joined it; no mask was tried after.
  assert.equal(log.filter((l) => l.includes('TUNSETIFF')).length, 3, log.join('\n'));
  assert.equal(log.filter((l) => l.includes('TUNSETOFFLOAD')).length, 2, log.join('\n'));

  const out = JSON.parse(result.stdout) as {
    caps: object; mask: number; flags: number[]; gso: string; others: string[];
    read: { queue: number; packets: { len: number; gso: boolean; reply: boolean }[] } | string;
  };
  assert.deepEqual(out.caps, { vnetHdr: false, tso: false, uso: false });
  assert.equal(out.mask, 0);
  for (const f of out.flags) {
    assert.equal(f & IFF_VNET_HDR, 0, 'no vnet header');
    assert.equal(f & IFF_MULTI_QUEUE, IFF_MULTI_QUEUE, 'still multi-queue');
  }
  assert.notEqual(typeof out.read, 'string', String(out.read));
  const read = out.read as Exclude<typeof out.read, string>;
  assert.deepEqual(read.packets, [{ len: 44, gso: false, reply: true }], 'the plain reply, no vnet header in front');
  assert.equal(out.gso, 'ERR_TIO_OFFLOAD_UNAVAILABLE');
  // The queue that did not get the reply was woken by close.
  assert.deepEqual(out.others.filter((s) => s !== 'read'), ['ERR_TIO_CLOSED']);
});

test('a mask queue 0 accepted but queue 1 refuses: OffloadRefusedError naming the queue, every fd closed, no device left, and a retry succeeds', { skip, timeout: 60_000 }, async () => {
  // TUN ioctls in order: TUNSETIFF q0, TUNSETOFFLOAD q0, TUNSETIFF q1, TUNSETOFFLOAD q1 (the replay): refused.
  const { result, log } = await runTraced(ns, ['ioctl'], ['ioctl:error=EINVAL:when=4'], `
    const { readdirSync } = await import('node:fs');
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    let err = null;
    try {
      tio.TunDevice.open({ name: 'tsfb1', queues: 3 }).close();
    } catch (e) {
      err = { name: e.name, code: e.code, message: e.message };
    }
    const afterFds = fds();
    const ifIndex = native.ifIndex('tsfb1');
    const d = tio.TunDevice.open({ name: 'tsfb1', queues: 3 });
    const again = { caps: d.capabilities, mask: d.offloadMask, queues: d.queues.length };
    d.close();
    console.log(JSON.stringify({ before, afterFds, err, ifIndex, again }));
  `);
  assert.equal(result.code, 0, result.stderr);
  const inj = injected(log);
  assert.equal(inj.length, 1, log.join('\n'));
  const offloads = log.filter((l) => l.includes('TUNSETOFFLOAD'));
  assert.equal(offloads[1], inj[0], 'the second TUNSETOFFLOAD (the replay) was refused');
  const fdOf = (l: string): string => /^ioctl\((\d+),/.exec(l)![1]!;
  assert.notEqual(fdOf(offloads[0]!), fdOf(offloads[1]!), 'on another queue than the first');
  assert.match(offloads[1]!, new RegExp(`TUNSETOFFLOAD, ${hex(MASK_TSO_USO)}\\)`), 'replaying the accepted mask');

  const out = JSON.parse(result.stdout) as {
    before: number; afterFds: number; ifIndex: number; err: { name: string; code: string; message: string } | null;
    again: { caps: object; mask: number; queues: number };
  };
  assert.ok(out.err, 'open threw');
  assert.equal(out.err.name, 'OffloadRefusedError');
  assert.equal(out.err.code, 'ERR_TIO_OFFLOAD_REFUSED');
  assert.match(out.err.message, /queue 1 of tsfb1/);
  assert.equal(out.afterFds, out.before, 'queue 0, queue 1 and the close eventfd were all closed');
  assert.ok(out.ifIndex < 0, `tsfb1 is gone (ifIndex ${out.ifIndex})`);
  assert.deepEqual(out.again, { caps: { vnetHdr: true, tso: true, uso: true }, mask: MASK_TSO_USO, queues: 3 });
});
