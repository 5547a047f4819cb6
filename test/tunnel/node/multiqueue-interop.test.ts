// A multi-queue tio node (routines: 2, a worker thread on queue/socket 1)
// against the real nebula 1.6.1: handshake either way, ping and parallel TCP
// both ways arrive intact, nothing fails to decrypt on either side.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { destroyAll } from '../../../kit/netns.js';
import { interopSkipReason, NEB_IP, TIO_IP, withNebulaTio } from '../../../kit/nebula-tio.js';
import { frameNodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = interopSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;

for (const [cipher, initiator] of [['aes', 'tio'], ['chachapoly', 'nebula']] as const) {
  test(`routines 2 tio<->nebula (${cipher}, ${initiator} initiates): ping and parallel TCP both ways arrive intact`, { skip, timeout: 180_000 }, async () => {
    await withNebulaTio({
      tag: 'mqi', net: 26, nebula: { cipher },
      tio: (s) => frameNodeOptions(s, { cipher, routines: 2 }),
    }, async ({ a, b, nebula: neb, node, ping, tunnel }) => {
      await ping(initiator);
      const t = tunnel();
      assert.ok(t, 'tio has a tunnel to nebula');
      assert.equal(t.initiator, initiator === 'tio');
      await ping(initiator === 'nebula' ? 'tio' : 'nebula');
      // Two connections each way at once: flows spread over both TUN queues.
      const runs = await Promise.all([
        tcpTransfer(b, a, TIO_IP, 5701, 8 * MiB, 120_000),
        tcpTransfer(b, a, TIO_IP, 5702, 8 * MiB, 120_000),
        tcpTransfer(a, b, NEB_IP, 5703, 8 * MiB, 120_000),
        tcpTransfer(a, b, NEB_IP, 5704, 8 * MiB, 120_000),
      ]);
      for (const r of runs) assert.equal(r.received.sha256, r.sent.sha256, 'TCP intact');
      const after = tunnel();
      assert.ok(after, 'still a tunnel to nebula');
      assert.equal(after.localIndex, t.localIndex, 'the same tunnel throughout');
      // Counters reserved by either thread: the shared send counter covers both queues' traffic.
      assert.ok(after.sendCounter > t.sendCounter + 1000, `send counter ${t.sendCounter} -> ${after.sendCounter}`);
      const s = node.stats;
      assert.equal(s.drops['outside-auth'], 0);
      assert.equal(s.drops['outside-replay'], 0, 'no counter seen twice');
      assert.equal(s.recvErrorsSent, 0, 'no recv_error sent');
      assert.ok(!neb.log.some((l) => /Failed to decrypt|level=error/.test(l)), 'nebula logged no decrypt failure or error');
    });
  });
}
