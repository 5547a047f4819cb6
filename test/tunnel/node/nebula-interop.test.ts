// Interop with the real nebula 1.6.1 binary, the protocol oracle: a tio node
// and a nebula node handshake and carry ping and TCP both ways, each side
// initiating once, both ciphers.
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

for (const cipher of ['aes', 'chachapoly'] as const) {
  for (const initiator of ['nebula', 'tio'] as const) {
    test(`tio<->nebula (${cipher}, ${initiator} initiates): ping and TCP both ways arrive intact`, { skip, timeout: 120_000 }, async () => {
      const pki = makePki([['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
      const { a, b } = netnsPair('neb', 21);
      const hn = pki.hosts.get('neb')!;
      const ht = pki.hosts.get('tio')!;
      const lines: string[] = [];
      const neb = startNebula(a, pki, hn, '198.18.21.1', [[ht, '198.18.21.2']], { cipher });
      const node = OverlayNode.start(nodeOptions(pki, ht, b.name, '198.18.21.2', [[hn, '198.18.21.1']], { cipher, lines }));
      try {
        await neb.waitForLog('Nebula interface is active', 15_000);
        // The first ping triggers the handshake from the initiating side.
        if (initiator === 'nebula') await a.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', TIO_IP], { timeoutMs: 20_000 });
        else await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', NEB_IP], { timeoutMs: 20_000 });
        const t = node.status().tunnels.find((x) => x.overlayAddress === NEB_IP);
        assert.ok(t, 'tio has a tunnel to nebula');
        assert.equal(t.initiator, initiator === 'tio');
        assert.equal(t.peer, 'neb');
        assert.ok(t.remote.startsWith('198.18.21.1:'), `remote ${t.remote}`);
        await neb.waitForLog('Handshake message', 5000);
        // Ping the other way over the same tunnel.
        if (initiator === 'nebula') await b.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', NEB_IP], { timeoutMs: 20_000 });
        else await a.execAsync('ping', ['-c', '3', '-i', '0.2', '-W', '5', TIO_IP], { timeoutMs: 20_000 });
        const toTio = await tcpTransfer(b, a, TIO_IP, 5401, 16 * MiB, 90_000);
        assert.equal(toTio.received.sha256, toTio.sent.sha256, 'nebula -> tio TCP intact');
        const toNeb = await tcpTransfer(a, b, NEB_IP, 5402, 16 * MiB, 90_000);
        assert.equal(toNeb.received.sha256, toNeb.sent.sha256, 'tio -> nebula TCP intact');
        assert.equal(node.stats.drops['outside-auth'], 0);
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
}
