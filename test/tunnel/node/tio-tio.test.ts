// Two tio overlay nodes in their own namespaces, joined by a veth pair: the
// handshake completes and a TCP transfer through the encrypted tunnel arrives
// intact (SHA-256 equal on both ends), with offloads on and off, both ciphers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { OVERLAY_A, OVERLAY_B, withNodePair } from '../../helpers/node-pair.js';
import { ipU32 } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;

for (const offload of ['auto', 'off'] as const) {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    test(`tio<->tio: TCP through the tunnel arrives intact (offload ${offload}, ${cipher})`, { skip, timeout: 120_000 }, async () => {
      await withNodePair({ tag: 'ov', net: 20, node: { offload, cipher } }, async ({ a, b, na, nb }) => {
        const r = await tcpTransfer(b, a, OVERLAY_B, 5301, 32 * MiB, 90_000);
        assert.equal(r.received.bytes, 32 * MiB);
        assert.equal(r.received.sha256, r.sent.sha256);
        assert.ok(na.hostmap.get(ipU32(OVERLAY_B)), 'a has a tunnel to b');
        assert.ok(nb.hostmap.get(ipU32(OVERLAY_A)), 'b has a tunnel to a');
        assert.equal(na.stats.drops['outside-auth'] + nb.stats.drops['outside-auth'], 0, 'nothing failed authentication');
        if (offload === 'auto') assert.ok(na.device.stats().rxSuperpackets > 0, 'the sender side read superpackets');
      });
    });
  }
}
