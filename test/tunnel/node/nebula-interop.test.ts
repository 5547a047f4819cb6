// Interop with the real nebula 1.6.1 binary, the protocol oracle: a tio node
// and a nebula node handshake and carry ping and TCP both ways, each side
// initiating once, both ciphers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { destroyAll } from '../../../kit/netns.js';
import { interopSkipReason, NEB_IP, TIO_IP, withNebulaTio } from '../../../kit/nebula-tio.js';
import { frameNodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = interopSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;

for (const cipher of ['aes', 'chachapoly'] as const) {
  for (const initiator of ['nebula', 'tio'] as const) {
    test(`tio<->nebula (${cipher}, ${initiator} initiates): ping and TCP both ways arrive intact`, { skip, timeout: 120_000 }, async () => {
      await withNebulaTio({
        tag: 'neb', net: 21, nebula: { cipher },
        tio: (s) => frameNodeOptions(s, { cipher }),
      }, async ({ a, b, aAddr, nebula: neb, node, ping, tunnel }) => {
        // The first ping triggers the handshake from the initiating side.
        await ping(initiator);
        const t = tunnel();
        assert.ok(t, 'tio has a tunnel to nebula');
        assert.equal(t.initiator, initiator === 'tio');
        assert.equal(t.peer, 'neb');
        assert.ok(t.remote.startsWith(`${aAddr}:`), `remote ${t.remote}`);
        await neb.waitForLog('Handshake message', 5000);
        // Ping the other way over the same tunnel.
        await ping(initiator === 'nebula' ? 'tio' : 'nebula');
        const toTio = await tcpTransfer(b, a, TIO_IP, 5401, 16 * MiB, 90_000);
        assert.equal(toTio.received.sha256, toTio.sent.sha256, 'nebula -> tio TCP intact');
        const toNeb = await tcpTransfer(a, b, NEB_IP, 5402, 16 * MiB, 90_000);
        assert.equal(toNeb.received.sha256, toNeb.sent.sha256, 'tio -> nebula TCP intact');
        assert.equal(node.stats.drops['outside-auth'], 0);
        assert.ok(!neb.log.some((l) => /Failed to decrypt|level=error/.test(l)), 'nebula logged no decrypt failure or error');
      });
    });
  }
}
