// listen.host "[::]", as nebula's example config has it: one dual-stack socket
// that carries an IPv4-only nebula 1.6.1 peer both ways (docs/PROTOCOL.md
// "Config keys and defaults", listen.host), whichever side starts the handshake.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { destroyAll } from '../../../kit/netns.js';
import { interopSkipReason, NEB_IP, TIO_IP, withNebulaTio } from '../../../kit/nebula-tio.js';
import { frameNodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = interopSkipReason();
after(destroyAll);

for (const initiator of ['nebula', 'tio'] as const) {
  test(`a tio node listening on [::] carries an IPv4-only nebula peer (${initiator} initiates): ping and TCP intact, the peer seen as plain IPv4`, { skip, timeout: 120_000 }, async () => {
    await withNebulaTio({
      tag: 'dual', net: 23,
      tio: (s) => frameNodeOptions(s, {}, '::'),
    }, async ({ a, b, aAddr, node, ping, tunnel }) => {
      assert.equal(node.status().listen, '[::]:4242');
      await ping(initiator);
      const t = tunnel();
      assert.ok(t, 'tio has a tunnel to nebula');
      assert.equal(t.remote, `${aAddr}:4242`, 'the mapped address is the plain IPv4 peer');
      const toTio = await tcpTransfer(b, a, TIO_IP, 5411, 4 << 20, 60_000);
      assert.equal(toTio.received.sha256, toTio.sent.sha256, 'nebula -> tio TCP intact');
      const toNeb = await tcpTransfer(a, b, NEB_IP, 5412, 4 << 20, 60_000);
      assert.equal(toNeb.received.sha256, toNeb.sent.sha256, 'tio -> nebula TCP intact');
      assert.equal(node.status().udp.txErrors, 0, 'no send failed');
    });
  });
}
