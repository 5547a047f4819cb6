// Root-only, against the nebula 1.6.1 binary: a tio node behind a symmetric NAT is reached through a
// nebula lighthouse that is also the relay (am_relay), by a nebula node behind another symmetric NAT.
// Neither can punch through; nebula asks the relay for a relay to tio, tio accepts it (it names the
// lighthouse in relay.relays and tells the lighthouse so), the handshake goes through the relay, and
// TCP streams both ways arrive intact, with the lighthouse's interface showing they crossed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, relayedTransfer, withNatScene } from '../../../kit/nat-scene.js';
import { waitFor } from '../../../kit/wait.js';

const skip = natSkipReason();
const BYTES = 8 << 20;

for (const [k, first] of (['nebula', 'tio'] as const).entries()) {
test(`tio and nebula behind symmetric NATs meet through a nebula 1.6.1 relay (${first} starts): handshake and TCP both ways go through it intact`, { skip, timeout: 300_000 }, async (t) => {
  await withNatScene({ tag: `rlyu${k}`, sites: ['symmetric', 'symmetric'], net: 54 + k, overlayNet: 54 + k }, async (s) => {
    const { rig, ov } = s;
    const [neb, tio] = [rig.sites[0]!, rig.sites[1]!];
    const [nebIp, tioIp] = [ov.nodes[0]!.ip, ov.nodes[1]!.ip];
    await s.lighthouse('nebula', { amRelay: true, level: 'debug', what: 'nebula lighthouse+relay' });
    const n = await s.overlayNode(tio.node, ov.nodeConfig(1, { relay: true, tag: 'tio' }), 'tio');
    await waitFor(() => (n.status().lighthouse?.updatesSent ?? 0) >= 1, 30_000, 'tio told the lighthouse its addresses and relays');
    await s.node(0, 'nebula', { relay: true, level: 'debug' }).waitForLog('Nebula interface is active', 30_000);
    const ms = first === 'nebula'
      ? await msToFirstReply(neb.node, tioIp, process.hrtime.bigint(), 90_000)
      : await msToFirstReply(tio.node, nebIp, process.hrtime.bigint(), 90_000);
    t.diagnostic(`first reply (${first} pinging) through the relay after ${ms.toFixed(0)} ms`);
    assert.equal(n.status().tunnels.find((x) => x.overlayAddress === nebIp)?.remote, 'relayed', 'tio\'s tunnel to the nebula node goes through the relay');
    for (const [from, to, port] of [[0, 1, 5203], [1, 0, 5204]] as const) t.diagnostic(await relayedTransfer(s, from, to, port, BYTES, 180_000));
    const st = n.status();
    t.diagnostic(`relay status ${JSON.stringify(st.relay)}; drops ${JSON.stringify(Object.fromEntries(Object.entries(st.counters.drops).filter(([, v]) => v > 0)))}`);
    assert.equal(st.counters.drops['outside-auth'], 0);
  });
});
}
