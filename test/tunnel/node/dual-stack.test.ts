// listen.host "[::]", as nebula's example config has it: one dual-stack socket
// that carries an IPv4-only nebula 1.6.1 peer both ways (docs/PROTOCOL.md
// "Config keys and defaults", listen.host), whichever side starts the handshake.
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

const NEB_IP = '198.19.0.1';
const TIO_IP = '198.19.0.2';

for (const initiator of ['nebula', 'tio'] as const) {
  test(`a tio node listening on [::] carries an IPv4-only nebula peer (${initiator} initiates): ping and TCP intact, the peer seen as plain IPv4`, { skip, timeout: 120_000 }, async () => {
    const pki = makePki([['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
    const { a, b } = netnsPair('dual', 23);
    const hn = pki.hosts.get('neb')!;
    const ht = pki.hosts.get('tio')!;
    const lines: string[] = [];
    const neb = startNebula(a, pki, hn, '198.18.23.1', [[ht, '198.18.23.2']]);
    const node = OverlayNode.start(nodeOptions(pki, ht, b.name, '::', [[hn, '198.18.23.1']], { lines }));
    try {
      await node.ready;
      assert.equal(node.status().listen, '[::]:4242');
      await neb.waitForLog('Nebula interface is active', 15_000);
      if (initiator === 'nebula') await a.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', TIO_IP], { timeoutMs: 20_000 });
      else await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', NEB_IP], { timeoutMs: 20_000 });
      const t = node.status().tunnels.find((x) => x.overlayAddress === NEB_IP);
      assert.ok(t, 'tio has a tunnel to nebula');
      assert.equal(t.remote, '198.18.23.1:4242', 'the mapped address is the plain IPv4 peer');
      const toTio = await tcpTransfer(b, a, TIO_IP, 5411, 4 << 20, 60_000);
      assert.equal(toTio.received.sha256, toTio.sent.sha256, 'nebula -> tio TCP intact');
      const toNeb = await tcpTransfer(a, b, NEB_IP, 5412, 4 << 20, 60_000);
      assert.equal(toNeb.received.sha256, toNeb.sent.sha256, 'tio -> nebula TCP intact');
      assert.equal(node.status().udp.txErrors, 0, 'no send failed');
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
