// Two tio overlay nodes in their own namespaces, joined by a veth pair: the
// handshake completes and a TCP transfer through the encrypted tunnel arrives
// intact (SHA-256 equal on both ends), with offloads on and off, both ciphers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { OVERLAY_A, OVERLAY_B, withNodePair } from '../../helpers/node-pair.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;

for (const offload of ['auto', 'off'] as const) {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    test(`tio<->tio: TCP through the tunnel arrives intact (offload ${offload}, ${cipher})`, { skip, timeout: 120_000 }, async () => {
      await withNodePair({ tag: 'ov', net: 20, node: { offload, cipher } }, async ({ a, b, na, nb, aAddr, bAddr }) => {
        const r = await tcpTransfer(b, a, OVERLAY_B, 5301, 32 * MiB, 90_000);
        assert.equal(r.received.bytes, 32 * MiB);
        assert.equal(r.received.sha256, r.sent.sha256);
        const sa = na.status();
        const sb = nb.status();
        assert.equal(sa.overlayAddress, `${OVERLAY_A}/16`);
        assert.equal(sa.failure, null);
        const ab = sa.tunnels.find((t) => t.overlayAddress === OVERLAY_B);
        const ba = sb.tunnels.find((t) => t.overlayAddress === OVERLAY_A);
        assert.ok(ab, 'a has a tunnel to b');
        assert.ok(ba, 'b has a tunnel to a');
        assert.equal(ab.peer, 'b');
        assert.equal(ba.peer, 'a');
        assert.ok(ab.remote.startsWith(`${bAddr}:`) && ba.remote.startsWith(`${aAddr}:`), 'remotes are the underlay addresses');
        assert.deepEqual([ab.localIndex, ab.remoteIndex], [ba.remoteIndex, ba.localIndex], 'the two ends agree on the indexes');
        assert.ok(ab.proven && ba.proven);
        assert.notEqual(ab.initiator, ba.initiator, 'exactly one end initiated');
        // 32 MiB of TCP is thousands of datagrams each way (ACKs back): both ends counted them.
        assert.ok(ab.sendCounter > 1000 && ba.receiveCounter > 1000, `a -> b counters ${ab.sendCounter}/${ba.receiveCounter}`);
        assert.ok(ba.sendCounter > 2 && ab.receiveCounter > 2, 'b -> a counters moved');
        assert.ok(sa.counters.datagramsOut > 1000 && sb.counters.datagramsIn > 1000, 'node counters moved too');
        assert.equal(sa.counters.drops['outside-auth'] + sb.counters.drops['outside-auth'], 0, 'nothing failed authentication');
        if (offload === 'auto') assert.ok(sa.tun.rxSuperpackets > 0, 'the sender side read superpackets');
      });
    });
  }
}
