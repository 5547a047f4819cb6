// Root-only, against the nebula 1.6.1 binary: a tio node with relay.am_relay on the public segment of
// the NAT rig relays between two nebula nodes behind symmetric NATs (fully-random masquerade), which
// cannot punch a direct path. A nebula lighthouse tells everyone where everyone is; the nebula nodes
// name tio's overlay IP in relay.relays. The nebula nodes first ping tio (a node keeps no tunnel to
// its relay by itself; in the usual setup the relay is the lighthouse it already talks to). Then a
// TCP transfer between them must arrive intact, and tio's counters and public interface must show
// that it crossed the relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, withNatScene } from '../../../kit/nat-scene.js';
import { ifDelta } from '../../../kit/netstat.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = natSkipReason();
const BYTES = 8 << 20;
const PORT = 5202;

test('tio as relay: two nebula 1.6.1 nodes behind symmetric NATs move a TCP stream through it intact', { skip, timeout: 300_000 }, async (t) => {
  await withNatScene({ tag: 'rlyt', sites: ['symmetric', 'symmetric', 'none'], net: 52, overlayNet: 52 }, async (s) => {
    const { rig, ov } = s;
    const relayIp = ov.nodes[2]!.ip;
    await s.lighthouse('nebula', { amRelay: false });
    const node = await s.overlayNode(rig.sites[2]!.node, ov.nodeConfig(2, { amRelay: true, tag: 'tio', level: 'debug' }), 'tio relay');
    for (const i of [0, 1]) await s.node(i, 'nebula', { relayIps: [relayIp], level: 'debug' }).waitForLog('Nebula interface is active', 30_000);
    // Both nodes reach the relay (through the lighthouse, which knows tio's public address).
    for (const i of [0, 1]) await msToFirstReply(rig.sites[i]!.node, relayIp, process.hrtime.bigint(), 60_000);
    const t0 = process.hrtime.bigint();
    const ms = await msToFirstReply(rig.sites[0]!.node, ov.nodes[1]!.ip, t0, 90_000);
    t.diagnostic(`first reply n0 -> n1 through the tio relay after ${ms.toFixed(0)} ms`);
    const relayIf = rig.publicTraffic(rig.sites[2]!);
    const before = node.status().counters.relayedOut;
    const r = await tcpTransfer(rig.sites[1]!.node, rig.sites[0]!.node, ov.nodes[1]!.ip, PORT, BYTES, 180_000);
    assert.equal(r.received.bytes, BYTES);
    assert.equal(r.received.sha256, r.sent.sha256);
    const st = node.status();
    const d = ifDelta(rig.publicTraffic(rig.sites[2]!), relayIf);
    const relayed = st.counters.relayedOut - before;
    t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; tio relayed ${relayed} datagrams; its interface rx ${d.rxBytes} tx ${d.txBytes}`);
    t.diagnostic(`relay status ${JSON.stringify(st.relay)}; drops ${JSON.stringify(Object.fromEntries(Object.entries(st.counters.drops).filter(([, v]) => v > 0)))}`);
    assert.ok(d.txBytes >= BYTES && d.rxBytes >= BYTES, `the transfer did not cross the relay (rx ${d.rxBytes}, tx ${d.txBytes})`);
    assert.ok(relayed >= BYTES / 1400, `tio relayed only ${relayed} datagrams`);
    assert.equal(st.relay?.relays, 2, 'one forwarding relay: an entry on each side');
    assert.equal(st.counters.drops['outside-auth'], 0);
  });
});
