// Root-only, in the NAT rig: relays on nodes with `routines: 2` (two TUN queues, two SO_REUSEPORT
// sockets, one of them a worker thread that has replicas of main's relay entries; routines.ts). Both
// nodes sit behind symmetric NATs, so every byte between them crosses the relay; which socket each
// relayed flow lands on is the kernel's hash, so the worker's share is reported, not assumed.
// - A tio lighthouse relays for two tio nodes, every one of them with routines: 2 (the relay and one
//   end run in this process, to read their counters per routine).
// - A tio node with routines: 2 and a nebula node meet through a nebula 1.6.1 relay, each pinging first.
// Each case moves a SHA-256-checked TCP stream each way; the lighthouse's interface must show it crossed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, relayedTransfer, withNatScene } from '../../../kit/nat-scene.js';
import type { OverlayNode } from '../../../src/tunnel/node/node.js';

const skip = natSkipReason();
const BYTES = 8 << 20;
const ROUTINES = 'routines: 2\n';

// Data-path counters of each thread of `n` that matter here, for the log.
function perRoutine(n: OverlayNode): string {
  return n.statsByRoutine().map((x, i) => `r${i}: in ${x.bytesIn} out ${x.bytesOut} relayedOut ${x.relayedOut}`).join('; ');
}

test('a tio relay with routines: 2 joins two tio nodes with routines: 2 behind symmetric NATs: TCP both ways crosses it intact', { skip, timeout: 300_000 }, async (t) => {
  await withNatScene({ tag: 'rlmq0', sites: ['symmetric', 'symmetric'], net: 170, overlayNet: 170 }, async (s) => {
    const relay = await s.overlayNode(s.rig.lighthouse, s.ov.lighthouseConfig({ tag: 'tio', amRelay: true, extra: ROUTINES }), 'tio lighthouse+relay');
    assert.equal(relay.routines, 2);
    const t0 = process.hrtime.bigint();
    await s.node(0, 'tio', { relay: true, level: 'debug', extra: ROUTINES }).waitForLog('Nebula interface is active', 30_000);
    const n1 = await s.overlayNode(s.rig.sites[1]!.node, s.ov.nodeConfig(1, { relay: true, tag: 'tio', extra: ROUTINES }), 'tio n1');
    assert.equal(n1.routines, 2);
    const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 90_000);
    t.diagnostic(`first reply n0 -> n1 through the tio relay ${ms.toFixed(0)} ms after the nodes started`);
    assert.equal(n1.status().tunnels.find((x) => x.overlayAddress === s.ov.nodes[0]!.ip)?.remote, 'relayed');
    for (const [from, to, port] of [[0, 1, 5221], [1, 0, 5222]] as const) t.diagnostic(await relayedTransfer(s, from, to, port, BYTES, 180_000));
    const rs = relay.status();
    t.diagnostic(`relay: ${perRoutine(relay)}; status ${JSON.stringify(rs.relay)}`);
    t.diagnostic(`n1: ${perRoutine(n1)}`);
    assert.ok(rs.counters.relayedOut >= 2 * BYTES / 1500, 'the relay\'s data planes passed the streams on');
    assert.equal(rs.counters.drops['outside-unhandled-type'], 0, 'no relayed datagram met a data plane without relay entries');
    assert.equal(n1.status().counters.drops['outside-unhandled-type'], 0);
    assert.equal(n1.status().counters.drops['outside-auth'], 0);
  });
});

for (const [k, first] of (['nebula', 'tio'] as const).entries()) {
test(`a tio node with routines: 2 and a nebula node meet through a nebula 1.6.1 relay (${first} pinging first): TCP both ways crosses it intact`, { skip, timeout: 300_000 }, async (t) => {
  await withNatScene({ tag: `rlmq${k + 1}`, sites: ['symmetric', 'symmetric'], net: 176 + 2 * k, overlayNet: 176 + 2 * k }, async (s) => {
    await s.lighthouse('nebula', { amRelay: true, level: 'debug', what: 'nebula lighthouse+relay' });
    const n = await s.overlayNode(s.rig.sites[1]!.node, s.ov.nodeConfig(1, { relay: true, tag: 'tio', extra: ROUTINES }), 'tio n1');
    assert.equal(n.routines, 2);
    const t0 = process.hrtime.bigint();
    await s.node(0, 'nebula', { relay: true, level: 'debug' }).waitForLog('Nebula interface is active', 30_000);
    const ms = first === 'nebula'
      ? await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 90_000)
      : await msToFirstReply(s.rig.sites[1]!.node, s.ov.nodes[0]!.ip, t0, 90_000);
    t.diagnostic(`first reply (${first} pinging) through the nebula relay after ${ms.toFixed(0)} ms`);
    assert.equal(n.status().tunnels.find((x) => x.overlayAddress === s.ov.nodes[0]!.ip)?.remote, 'relayed');
    for (const [from, to, port] of [[0, 1, 5223], [1, 0, 5224]] as const) t.diagnostic(await relayedTransfer(s, from, to, port, BYTES, 180_000));
    const st = n.status();
    t.diagnostic(`tio: ${perRoutine(n)}; relay status ${JSON.stringify(st.relay)}`);
    assert.equal(st.counters.drops['outside-unhandled-type'], 0);
    assert.equal(st.counters.drops['outside-auth'], 0);
  });
});
}
