// A multi-queue tio node (routines: 2, a worker thread on queue/socket 1)
// against the real nebula 1.6.1: handshake either way, ping and parallel TCP
// both ways arrive intact, nothing fails to decrypt on either side.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { netnsPair } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebula } from '../../../kit/nebula.js';
import { nodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

const MiB = 1024 * 1024;
const NEB_IP = '198.19.0.1';
const TIO_IP = '198.19.0.2';

for (const [cipher, initiator] of [['aes', 'tio'], ['chachapoly', 'nebula']] as const) {
  test(`routines 2 tio<->nebula (${cipher}, ${initiator} initiates): ping and parallel TCP both ways arrive intact`, { skip, timeout: 180_000 }, async () => {
    const pki = makePki([['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
    const { a, b } = netnsPair('mqi', 26);
    const hn = pki.hosts.get('neb')!;
    const ht = pki.hosts.get('tio')!;
    const lines: string[] = [];
    const neb = startNebula(a, pki, hn, '198.18.26.1', [[ht, '198.18.26.2']], { cipher });
    const node = OverlayNode.start({ ...nodeOptions(pki, ht, b.name, '198.18.26.2', [[hn, '198.18.26.1']], { cipher, lines }), routines: 2 });
    try {
      await node.ready;
      await neb.waitForLog('Nebula interface is active', 15_000);
      if (initiator === 'nebula') await a.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', TIO_IP], { timeoutMs: 20_000 });
      else await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', NEB_IP], { timeoutMs: 20_000 });
      const t = node.status().tunnels.find((x) => x.overlayAddress === NEB_IP);
      assert.ok(t, 'tio has a tunnel to nebula');
      assert.equal(t.initiator, initiator === 'tio');
      if (initiator === 'nebula') await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', NEB_IP], { timeoutMs: 20_000 });
      else await a.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', TIO_IP], { timeoutMs: 20_000 });
      // Two connections each way at once: flows spread over both TUN queues.
      const runs = await Promise.all([
        tcpTransfer(b, a, TIO_IP, 5701, 8 * MiB, 120_000),
        tcpTransfer(b, a, TIO_IP, 5702, 8 * MiB, 120_000),
        tcpTransfer(a, b, NEB_IP, 5703, 8 * MiB, 120_000),
        tcpTransfer(a, b, NEB_IP, 5704, 8 * MiB, 120_000),
      ]);
      for (const r of runs) assert.equal(r.received.sha256, r.sent.sha256, 'TCP intact');
      const after = node.status().tunnels.find((x) => x.overlayAddress === NEB_IP);
      assert.ok(after, 'still a tunnel to nebula');
      assert.equal(after.localIndex, t.localIndex, 'the same tunnel throughout');
      // Counters reserved by either thread: the shared send counter covers both queues' traffic.
      assert.ok(after.sendCounter > t.sendCounter + 1000, `send counter ${t.sendCounter} -> ${after.sendCounter}`);
      const s = node.stats;
      assert.equal(s.drops['outside-auth'], 0);
      assert.equal(s.drops['outside-replay'], 0, 'no counter seen twice');
      assert.equal(s.recvErrorsSent, 0, 'no recv_error sent');
      assert.ok(!neb.log.some((l) => /Failed to decrypt|level=error/.test(l)), 'nebula logged no decrypt failure or error');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- nebula ---\n${neb.log.join('\n')}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
    } finally {
      await node.stop();
      await neb.stop();
      a.destroy();
      b.destroy();
      pki.dispose();
    }
  });
}
