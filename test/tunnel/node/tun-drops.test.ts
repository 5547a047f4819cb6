// tun.drop_multicast and tun.drop_local_broadcast: packets the kernel sends into
// the TUN for a multicast group or the overlay's broadcast address are dropped
// quietly and counted, before any routing or handshake; without the keys they
// take the usual way (no route, or a tunnel that cannot be made).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { Netns, destroyAll, rootSkipReason, waitFor } from '../../../kit/netns.js';
import { makePki, nebulaCertSkipReason } from '../../../kit/nebula-pki.js';
import { nodeOptions } from '../../helpers/overlay.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

for (const dropping of [true, false]) {
  test(`with the drop keys ${dropping ? 'on, multicast and local broadcast are dropped and counted as such' : 'off, they go the usual way'}`, { skip, timeout: 60_000 }, async () => {
    const pki = makePki([['a', '198.19.0.1/16']]);
    const ns = Netns.create('tdrop');
    const node = OverlayNode.start((() => {
      const o = nodeOptions(pki, pki.hosts.get('a')!, ns.name, '127.0.0.1', []);
      return { ...o, tun: { ...o.tun, name: 'tdrop0', dropMulticast: dropping, dropLocalBroadcast: dropping } };
    })());
    try {
      await node.ready;
      ns.exec('sysctl', ['-q', '-w', 'net.ipv4.icmp_echo_ignore_broadcasts=0']);
      ns.exec('ip', ['route', 'add', '224.0.0.0/4', 'dev', 'tdrop0']);
      // One echo each; nothing answers, so ping exits non-zero: only the packets matter.
      tryRun('ip', ['netns', 'exec', ns.name, 'ping', '-c', '1', '-W', '1', '-b', '198.19.255.255'], { timeoutMs: 5000 });
      tryRun('ip', ['netns', 'exec', ns.name, 'ping', '-c', '1', '-W', '1', '-t', '1', '224.0.0.123'], { timeoutMs: 5000 });
      const drops = (): Record<string, number> => node.status().counters.drops;
      if (dropping) {
        await waitFor(() => drops()['inside-local-broadcast']! >= 1 && drops()['inside-multicast']! >= 1, 5000, 'both drops counted');
        assert.equal(drops()['inside-no-route'], 0, 'the multicast packet never reached routing');
        assert.equal(drops()['inside-no-remote'], 0, 'the broadcast never asked for a tunnel');
      } else {
        await waitFor(() => drops()['inside-no-route']! >= 1 && drops()['inside-no-remote']! >= 1, 5000, 'no route for multicast, no remote for the broadcast address');
        assert.equal(drops()['inside-local-broadcast'], 0);
        assert.equal(drops()['inside-multicast'], 0);
      }
    } finally {
      await node.stop();
      ns.destroy();
      pki.dispose();
    }
  });
}
