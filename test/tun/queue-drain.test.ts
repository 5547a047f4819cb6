// How much one read() drains (native/io.c readBatch): until the kernel queue is
// empty, 64 packets, or less than 64 KiB of receive buffer is left. Real TUN
// queues in a namespace this test creates; the kernel's own echo replies are
// the pending packets (each echo request written produces one, queued on the
// TUN before the write returns).
import { readFileSync } from 'node:fs';
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_BATCH, TunDevice, type Queue, type QueueStats } from '../../src/index.js';
import { MIN_RX_BUFFER } from '../../src/tun/queue.js';
import { Netns, destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { icmpEchoV4 } from '../../kit/packet.js';
import { native } from '../../src/native.js';
import { ENOSYS, EPERM } from '../../src/errno.js';

const skip = rootSkipReason();
let ns: Netns;
before(() => {
  if (skip) return;
  ns = Netns.create('sdrain');
  // No IPv6: router solicitations and MLD reports would add packets of their own to the queue.
  ns.disableIpv6();
});
after(destroyAll);

const LOCAL = '198.18.92.1';
const PEER = '198.18.92.2';
const ECHO_ID = 0x5eed;

/** The drain cap of the seeds (tunDrainCap) and of docs/OFFLOADS.md "Reading". */
const CAP = 64;
/** Room one more read needs: the largest packet a TUN hands out (64 KiB, native/io.c MAX_PACKET). */
const HEADROOM = 65536;
/** Receive offsets are 16-byte aligned (native/io.c ALIGN16). */
const align16 = (n: number): number => (n + 15) & ~15;

/** ICMP OutEchoReps of the namespace (/proc/net/snmp). */
function echoRepliesSent(): number {
  const lines = ns.exec('cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Icmp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('OutEchoReps')]);
}

/** Writes n echo requests to the kernel and waits until it has sent every reply (into the TUN). */
async function queueReplies(q: Queue, n: number, payloadLen: number): Promise<void> {
  const before = echoRepliesSent();
  for (let seq = 0; seq < n; seq++) await q.write(icmpEchoV4(PEER, LOCAL, ECHO_ID, seq, payloadLen));
  await waitFor(() => echoRepliesSent() >= before + n, 10_000, `${n} echo replies sent`);
}

/** Reads batches until n echo replies came; returns each batch's size and the reply sequence numbers in order. */
async function readReplies(q: Queue, n: number): Promise<{ sizes: number[]; seqs: number[] }> {
  const sizes: number[] = [];
  const seqs: number[] = [];
  const deadline = Date.now() + 10_000;
  while (seqs.length < n) {
    assert.ok(Date.now() < deadline, `only ${seqs.length} of ${n} replies within 10 s`);
    let timer: NodeJS.Timeout | undefined;
    const batch = await Promise.race([
      q.read(),
      new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`no batch within 5 s after ${seqs.length} replies`)), 5000))),
    ]).finally(() => clearTimeout(timer));
    sizes.push(batch.length);
    for (const p of batch) {
      const icmp = p.off + (p.buf[p.off]! & 0x0f) * 4;
      assert.equal(p.buf[p.off + 9], 1, 'only ICMP is queued');
      assert.equal(p.buf[icmp], 0, 'an echo reply');
      assert.equal(p.buf.readUInt16BE(icmp + 4), ECHO_ID);
      seqs.push(p.buf.readUInt16BE(icmp + 6));
    }
  }
  return { sizes, seqs };
}

const inOrder = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * Whether this thread's queues read through io_uring. When not, the reason must be one the
 * machine gives (the kernel.io_uring_disabled sysctl, or a sandbox refusing the syscall), never
 * a failure of the ring code on a kernel that allows it.
 */
function ringsExpected(): boolean {
  const st = native.uringStatus();
  if (st === 1) return true;
  let sysctl = 'absent';
  try {
    sysctl = readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim();
  } catch {
    // Before Linux 6.6 there is no such sysctl.
  }
  assert.ok(sysctl !== '0' || st === -EPERM || st === -ENOSYS, `io_uring allowed (sysctl ${sysctl}) but the ring is off: errno ${-st}`);
  return false;
}

/** Opens a device with `ringReads`, queues 150 small packets and reads them all: each read's size, and the queue's stats. */
async function drain150(name: string, ringReads: boolean): Promise<{ sizes: number[]; stats: QueueStats }> {
  const d = TunDevice.open({ name, netns: ns.name, addresses: [`${LOCAL}/24`], gro: false, ringReads });
  try {
    const q = d.queues[0]!;
    await queueReplies(q, 150, 16);
    const { sizes, seqs } = await readReplies(q, 150);
    assert.deepEqual(seqs, inOrder(150));
    return { sizes, stats: q.stats() };
  } finally {
    d.close();
  }
}

test('with 150 packets pending a read returns at most 64: batches of 64, 64 and 22, nothing lost or reordered', { skip, timeout: 60_000 }, async () => {
  assert.equal(MAX_BATCH, CAP);
  const { sizes, stats } = await drain150('tsdrain0', true);
  assert.deepEqual(sizes, [64, 64, 22]);
  assert.equal(stats.rxPackets, 150);
  // The first batch (64 small packets) has the next ones read in io_uring rounds of at most 16
  // (1 MiB / 64 KiB slots), so batches of 64 span several rounds, headers included.
  if (ringsExpected()) assert.ok(stats.rxRingReads >= 86, `reads through io_uring: ${stats.rxRingReads}`);
});

test('with ringReads: false every read is a readv: the same batches of 64, 64 and 22, none through io_uring', { skip, timeout: 60_000 }, async () => {
  const { sizes, stats } = await drain150('tsdrain2', false);
  assert.deepEqual(sizes, [64, 64, 22]);
  assert.equal(stats.rxRingReads, 0);
});

test('a lone packet is read with readv, not an io_uring round', { skip, timeout: 60_000 }, async () => {
  const d = TunDevice.open({ name: 'tsdrain3', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false });
  try {
    const q = d.queues[0]!;
    for (let i = 0; i < 3; i++) {
      await queueReplies(q, 1, 16);
      const { sizes } = await readReplies(q, 1);
      assert.deepEqual(sizes, [1]);
    }
    assert.equal(q.stats().rxRingReads, 0);
  } finally {
    d.close();
  }
});

test('a read stops when less than 64 KiB of receive buffer is left: one packet per read at the minimum buffer, k+1 with room for k more', { skip, timeout: 60_000 }, async () => {
  const payloadLen = 1000;
  const slot = align16(20 + 8 + payloadLen);
  // [rx buffer bytes, the most packets one read can then return]
  const cases: [number, number][] = [
    [MIN_RX_BUFFER, 1],
    [HEADROOM + 3 * slot, 4],
    [HEADROOM + 3 * slot - 1, 3],
  ];
  assert.equal(MIN_RX_BUFFER, HEADROOM);
  for (const [rxBufferSize, most] of cases) {
    const d = TunDevice.open({ name: 'tsdrain1', netns: ns.name, addresses: [`${LOCAL}/24`], gro: false, rxBufferSize });
    try {
      const q = d.queues[0]!;
      const n = 5 * most + 2;
      await queueReplies(q, n, payloadLen);
      const { sizes, seqs } = await readReplies(q, n);
      const want: number[] = [];
      for (let left = n; left > 0; left -= most) want.push(Math.min(most, left));
      assert.deepEqual(sizes, want, `rx buffer ${rxBufferSize}: batches of ${most}`);
      assert.deepEqual(seqs, inOrder(n));
    } finally {
      d.close();
    }
  }
});
