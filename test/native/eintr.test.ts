// native/io.c retries a TUN read or write interrupted by a signal (EINTR)
// instead of reporting it. TUN fds are non-blocking, so a signal never
// interrupts them in practice; strace injects EINTR into the readv, read and
// writev calls on TUN fds of a child (twice in a row each), and the queue must
// still deliver the packet both ways, on a vnet and on a plain device.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { nativeAvailable } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { injected, runTraced, straceSkipReason } from '../helpers/strace.js';

const skip = !nativeAvailable ? 'native addon not built' : rootSkipReason() ?? straceSkipReason;
let ns: Netns;
before(() => {
  if (skip) return;
  ns = Netns.create('seintr');
  // No IPv6: router solicitations would be read instead of the echo reply.
  ns.disableIpv6();
});
after(destroyAll);

test('EINTR on readv, read and writev of TUN fds is retried: the echo goes out and its reply comes back on vnet and plain queues', { skip, timeout: 60_000 }, async () => {
  // Reads: readv with a vnet header, read() without. Writes: writev on both (the vnet device writes first).
  const { result, log } = await runTraced(ns, ['readv', 'read', 'writev'],
    ['readv:error=EINTR:when=1..2', 'read:error=EINTR:when=1..2', 'writev:error=EINTR:when=1..2'], `
    const out = {};
    // gro: false skips the open-time probe write, so the first writev is the echo's.
    for (const [name, vnetHdr, net] of [['vnet', true, 94], ['plain', false, 95]]) {
      const d = tio.TunDevice.open({ name: 'tseintr' + net, vnetHdr, addresses: ['198.18.' + net + '.1/24'], gro: false });
      const q = d.queues[0];
      try {
        await q.write(icmpEchoV4('198.18.' + net + '.2', '198.18.' + net + '.1', 0x7e57, net));
        // The reply is queued before the first readv, so the retried call finds it.
        await untilEchoReplies(net === 94 ? 1 : 2);
        let timer;
        const batch = await Promise.race([q.read(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('no reply within 10 s')), 10000)))]);
        clearTimeout(timer);
        out[name] = { reply: batch.some((p) => isEchoReplyV4(p.buf, p.off, p.len, 0x7e57, net)), stats: q.stats() };
      } catch (e) {
        out[name] = { error: String(e && e.stack) };
      } finally {
        d.close();
      }
    }
    console.log(JSON.stringify(out));
  `);
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout) as Record<string, { reply?: boolean; error?: string; stats?: { txErrors: number; rxPackets: number } }>;
  for (const name of ['vnet', 'plain']) {
    assert.equal(out[name]!.error, undefined, `${name}: ${out[name]!.error}`);
    assert.equal(out[name]!.reply, true, `${name}: echo reply read back`);
    assert.equal(out[name]!.stats!.txErrors, 0);
  }
  // strace really interrupted each call twice, and the third, real call succeeded.
  for (const call of ['readv', 'read', 'writev']) {
    const lines = log.filter((l) => l.startsWith(`${call}(`));
    assert.ok(lines.length >= 3, `${call}: ${lines.join('\n')}`);
    assert.match(lines[0]!, /= -1 EINTR .*\(INJECTED\)$/);
    assert.match(lines[1]!, /= -1 EINTR .*\(INJECTED\)$/);
    assert.match(lines[2]!, /= [1-9]\d*$/, `${call} retried and succeeded`);
  }
  assert.equal(injected(log).length, 6);
});
