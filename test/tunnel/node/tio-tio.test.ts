// Two tio overlay nodes in their own namespaces, joined by a veth pair: the
// handshake completes and a TCP transfer through the encrypted tunnel arrives
// intact (SHA-256 equal on both ends), with offloads on and off, both ciphers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { Netns, destroyAll, rootSkipReason, vethPair } from '../../helpers/netns.js';
import { makePki, nebulaCertSkipReason } from '../../helpers/nebula-pki.js';
import { ipU32, nodeOptions } from '../../helpers/overlay.js';
import { tcpTransfer } from '../../helpers/tcp-transfer.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;

async function pair(opts: { offload: 'auto' | 'off'; cipher: 'aes' | 'chachapoly' }, fn: (a: Netns, b: Netns, na: OverlayNode, nb: OverlayNode) => Promise<void>) {
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  const a = Netns.create('ova');
  const b = Netns.create('ovb');
  vethPair(a, b, { aAddr: '198.18.20.1/24', bAddr: '198.18.20.2/24', mtu: 1500 });
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const lines: string[] = [];
  const na = OverlayNode.start(nodeOptions(pki, ha, a.name, '198.18.20.1', [[hb, '198.18.20.2']], { ...opts, lines }));
  const nb = OverlayNode.start(nodeOptions(pki, hb, b.name, '198.18.20.2', [[ha, '198.18.20.1']], { ...opts, lines }));
  try {
    await fn(a, b, na, nb);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    await na.stop();
    await nb.stop();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
}

for (const offload of ['auto', 'off'] as const) {
  for (const cipher of ['aes', 'chachapoly'] as const) {
    test(`tio<->tio: TCP through the tunnel arrives intact (offload ${offload}, ${cipher})`, { skip, timeout: 120_000 }, async () => {
      await pair({ offload, cipher }, async (a, b, na, nb) => {
        const r = await tcpTransfer(b, a, '198.19.0.2', 5301, 32 * MiB, 90_000);
        assert.equal(r.received.bytes, 32 * MiB);
        assert.equal(r.received.sha256, r.sent.sha256);
        assert.ok(na.hostmap.get(ipU32('198.19.0.2')), 'a has a tunnel to b');
        assert.ok(nb.hostmap.get(ipU32('198.19.0.1')), 'b has a tunnel to a');
        assert.equal(na.stats.drops['outside-auth'] + nb.stats.drops['outside-auth'], 0, 'nothing failed authentication');
        if (offload === 'auto') assert.ok(na.device.stats().rxSuperpackets > 0, 'the sender side read superpackets');
      });
    });
  }
}
