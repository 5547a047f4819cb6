// Queue syscall errors that the kernel does not produce on demand, made real
// with strace fault injection on the TUN fd of a child: a read error after the
// first packet of a batch, and a write the kernel takes only part of.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { EIO } from '../../src/errno.js';
import { nativeAvailable } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { injected, runTraced, straceSkipReason } from '../helpers/strace.js';

const skip = !nativeAvailable ? 'native addon not built' : rootSkipReason() ?? straceSkipReason;
let ns: Netns;
before(() => {
  if (skip) return;
  ns = Netns.create('sqerr');
  // No IPv6: router solicitations would be read along with the echo replies.
  ns.disableIpv6();
});
after(destroyAll);

// Child helpers: echo replies as sequence numbers, and a read with a deadline.
const PRELUDE = `
  const seqs = (batch) => batch.map((p) => p.buf.readUInt16BE(p.off + 26));
  const outcome = (promise) => promise.then((v) => ({ ok: Array.isArray(v) ? seqs(v) : 'resolved' }),
    (e) => ({ error: { name: e.name, code: e.code, errno: e.errno, message: e.message } }));
  const within = (promise, what) => {
    let timer;
    return Promise.race([promise, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(what + ' within 10 s')), 10000)))])
      .finally(() => clearTimeout(timer));
  };
`;

test('an error after the first packet ends the batch with that packet, the error comes back on the next read, and later reads go on', { skip, timeout: 60_000 }, async () => {
  // readv #1 returns echo reply 0; #2 (the same batch) and #3 (the next read) fail with EIO; #4 on succeed.
  const { result, log } = await runTraced(ns, ['readv'], ['readv:error=EIO:when=2..3'], `${PRELUDE}
    const d = tio.TunDevice.open({ name: 'tsqerr0', addresses: ['198.18.96.1/24'], gro: false });
    const q = d.queues[0];
    for (let seq = 0; seq < 3; seq++) await q.write(icmpEchoV4('198.18.96.2', '198.18.96.1', 0x7e57, seq));
    await untilEchoReplies(3);
    const reads = [];
    for (let i = 0; i < 3; i++) reads.push(await outcome(within(q.read(), 'read ' + i)));
    const closed = q.isClosed;
    d.close();
    console.log(JSON.stringify({ reads, closed }));
  `);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(injected(log).length, 2, log.join('\n'));
  const out = JSON.parse(result.stdout) as { reads: { ok?: number[]; error?: { name: string; code: string; errno: number } }[]; closed: boolean };
  assert.deepEqual(out.reads[0], { ok: [0] }, 'the batch ended at the error, with the packet read before it');
  assert.deepEqual(out.reads[1]!.error && { name: out.reads[1]!.error.name, code: out.reads[1]!.error.code, errno: out.reads[1]!.error.errno },
    { name: 'SyscallError', code: 'ERR_TIO_SYSCALL', errno: EIO }, 'the next read reports the error');
  assert.deepEqual(out.reads[2], { ok: [1, 2] }, 'nothing lost: the rest comes next, in order');
  assert.equal(out.closed, false, 'a read error other than EBADF leaves the queue open');
});

test('a write the kernel takes only part of is refused with ShortWriteError and counted; the next write goes out', { skip, timeout: 60_000 }, async () => {
  // writev #1 (the first echo request, 10 + 44 bytes) "returns" 20 without writing anything.
  const { result, log } = await runTraced(ns, ['writev'], ['writev:retval=20:when=1'], `${PRELUDE}
    const d = tio.TunDevice.open({ name: 'tsqerr1', addresses: ['198.18.97.1/24'], gro: false });
    const q = d.queues[0];
    const first = await outcome(q.write(icmpEchoV4('198.18.97.2', '198.18.97.1', 0x7e57, 1)));
    const txErrors = q.stats().txErrors;
    const second = await outcome(q.write(icmpEchoV4('198.18.97.2', '198.18.97.1', 0x7e57, 2)));
    const replies = (await outcome(within(q.read(), 'reply'))).ok;
    const stats = q.stats();
    d.close();
    console.log(JSON.stringify({ first, txErrors, second, replies, txPackets: stats.txPackets }));
  `);
  assert.equal(result.code, 0, result.stderr);
  const inj = injected(log);
  assert.equal(inj.length, 1, log.join('\n'));
  assert.match(inj[0]!, /= 20 \(INJECTED\)$/);
  const out = JSON.parse(result.stdout) as {
    first: { error?: { name: string; code: string; message: string } }; txErrors: number; second: { ok?: unknown }; replies: number[]; txPackets: number;
  };
  assert.ok(out.first.error, 'the short write was not taken for success');
  assert.equal(out.first.error.name, 'ShortWriteError');
  assert.equal(out.first.error.code, 'ERR_TIO_SHORT_WRITE');
  assert.match(out.first.error.message, /took 20 of 54 bytes/);
  assert.equal(out.txErrors, 1);
  assert.deepEqual(out.second, { ok: 'resolved' }, 'the next write resolved');
  assert.deepEqual(out.replies, [2], 'only the second request reached the kernel');
  assert.equal(out.txPackets, 1);
});
