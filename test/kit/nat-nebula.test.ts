// Root-only, with the nebula 1.6.1 binary in every role: the NAT rig
// (kit/nat-rig.ts, kit/nat-overlay.ts) reproduces what lighthouses, hole
// punching and relays are for. Behind cone NATs two nodes find each other
// through the lighthouse and punch a direct path; behind symmetric NATs only
// the relay joins them. The lighthouse's interface counters tell which path
// the data took. The time to the first reply is printed, never asserted.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { type SiteMode } from '../../kit/nat-rig.js';
import { msToFirstReply } from '../../kit/nat-overlay.js';
import { natSkipReason, siteTransfer, withNatScene, type NatScene } from '../../kit/nat-scene.js';

const skip = natSkipReason();
/** Bytes moved between the two nodes. */
const BYTES = 16 << 20;
/** Lighthouse traffic allowed during a transfer that bypasses it: keepalives and lighthouse updates only. */
const CONTROL_BYTES = 256 << 10;
const PORT = 5201;

/** Builds rig and overlay, starts the nebula lighthouse, runs body; everything is torn down on every path. */
async function withScene(tag: string, modes: readonly SiteMode[], net: number, relay: boolean, body: (s: NatScene) => Promise<void>): Promise<void> {
  await withNatScene({ tag, sites: modes, net }, async (s) => {
    await s.lighthouse('nebula', { amRelay: relay });
    await body(s);
  });
}

/** Starts nebula on sites 0 and 1 (the lighthouse as their relay when asked); returns the start time. */
function startNodes(s: NatScene, relay: boolean): bigint {
  const t0 = process.hrtime.bigint();
  for (const i of [0, 1]) s.node(i, 'nebula', { relay });
  return t0;
}

/** Moves BYTES from node 0 to node 1 over the overlay; returns the lighthouse's (smaller direction) and site 0's public traffic during it. */
async function transfer(t: TestContext, s: NatScene): Promise<{ lighthouse: number; aPublic: number }> {
  const { result: r, lighthouse: lh, fromPublic: a } = await siteTransfer(s, 0, 1, PORT, BYTES, 120_000);
  assert.equal(r.received.bytes, BYTES);
  assert.equal(r.received.sha256, r.sent.sha256);
  t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; lighthouse interface rx ${lh.rxBytes} tx ${lh.txBytes}; site 0's router public tx ${a.txBytes}`);
  return { lighthouse: Math.min(lh.rxBytes, lh.txBytes), aPublic: a.txBytes };
}

test('nebula 1.6.1 behind two cone NATs: nodes find each other through the lighthouse and punch a direct path', { skip, timeout: 240_000 }, async (t) => {
  await withScene('natpc', ['cone', 'cone'], 44, false, async (s) => {
    const t0 = startNodes(s, false);
    const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 60_000);
    t.diagnostic(`nebula: first reply through the punched path ${ms.toFixed(0)} ms after the nodes started`);
    const { lighthouse, aPublic } = await transfer(t, s);
    assert.ok(aPublic >= BYTES, `site 0's router sent only ${aPublic} bytes`);
    assert.ok(lighthouse < CONTROL_BYTES, `the transfer crossed the lighthouse (${lighthouse} bytes each way)`);
    // Cone mappings keep nebula's listen port, which is what the lighthouse told the other node.
    for (const site of s.rig.sites) assert.ok(s.rig.claimedPublicPorts(site).has(4242), `${site.publicAddr} did not keep port 4242`);
  });
});

test('nebula 1.6.1 behind two symmetric NATs: punching fails and the relay carries the traffic', { skip, timeout: 240_000 }, async (t) => {
  await withScene('natps', ['symmetric', 'symmetric'], 46, true, async (s) => {
    const t0 = startNodes(s, true);
    const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 90_000);
    t.diagnostic(`nebula: first reply through the relay ${ms.toFixed(0)} ms after the nodes started`);
    // Node 0 tried node 1's mapping toward the lighthouse first; node 1's router refused it.
    assert.ok(s.rig.unsolicitedDrops(s.rig.sites[1]!) > 0, 'no direct attempt was dropped at site 1\'s router');
    const { lighthouse } = await transfer(t, s);
    assert.ok(lighthouse >= BYTES, `the transfer did not cross the relay (${lighthouse} bytes each way)`);
  });
});
