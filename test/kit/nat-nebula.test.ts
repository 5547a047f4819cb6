// Root-only, with the nebula 1.6.1 binary in every role: the NAT rig
// (kit/nat-rig.ts, kit/nat-overlay.ts) reproduces what lighthouses, hole
// punching and relays are for. Behind cone NATs two nodes find each other
// through the lighthouse and punch a direct path; behind symmetric NATs only
// the relay joins them. The lighthouse's interface counters tell which path
// the data took. The time to the first reply is printed, never asserted.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkipReason } from '../../kit/netns.js';
import { natRig, type NatRig, type SiteMode } from '../../kit/nat-rig.js';
import { msToFirstReply, rigOverlay, type RigOverlay } from '../../kit/nat-overlay.js';
import { nebulaSkipReason } from '../../kit/nebula-pki.js';
import { startNebulaWith, type NebulaProcess } from '../../kit/nebula.js';
import { ifDelta } from '../../kit/netstat.js';
import { tcpTransfer } from '../../kit/tcp.js';
import { tryRun } from '../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
/** Bytes moved between the two nodes. */
const BYTES = 16 << 20;
/** Lighthouse traffic allowed during a transfer that bypasses it: keepalives and lighthouse updates only. */
const CONTROL_BYTES = 256 << 10;
const PORT = 5201;

/** A rig and its overlay with a nebula lighthouse running. */
interface Scene {
  rig: NatRig;
  ov: RigOverlay;
  procs: NebulaProcess[];
}

/** Builds rig and overlay, starts the lighthouse, runs body; everything is torn down on every path. */
async function withScene(tag: string, modes: readonly SiteMode[], net: number, relay: boolean, body: (s: Scene) => Promise<void>): Promise<void> {
  const rig = natRig({ tag, sites: modes, net });
  let ov: RigOverlay | undefined;
  const procs: NebulaProcess[] = [];
  try {
    ov = rigOverlay(rig);
    const lh = startNebulaWith(rig.lighthouse, ov.lighthouseConfig({ amRelay: relay }), 'nebula lighthouse');
    procs.push(lh);
    await lh.waitForLog('Nebula interface is active', 30_000);
    await body({ rig, ov, procs });
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(40)}\n`);
    throw e;
  } finally {
    for (const p of procs) await p.kill();
    rig.dispose();
    ov?.dispose();
  }
}

/** Starts nebula on sites 0 and 1 (the lighthouse as their relay when asked); returns the start time. */
function startNodes(s: Scene, relay: boolean): bigint {
  const t0 = process.hrtime.bigint();
  for (const i of [0, 1]) s.procs.push(startNebulaWith(s.rig.sites[i]!.node, s.ov.nodeConfig(i, { relay }), `nebula n${i}`));
  return t0;
}

/** Moves BYTES from node 0 to node 1 over the overlay; returns the lighthouse's (smaller direction) and site 0's public traffic during it. */
async function transfer(t: TestContext, s: Scene): Promise<{ lighthouse: number; aPublic: number }> {
  const [sa, sb] = [s.rig.sites[0]!, s.rig.sites[1]!];
  const lhBefore = s.rig.lighthouseTraffic();
  const aBefore = s.rig.publicTraffic(sa);
  const r = await tcpTransfer(sb.node, sa.node, s.ov.nodes[1]!.ip, PORT, BYTES, 120_000);
  assert.equal(r.received.bytes, BYTES);
  assert.equal(r.received.sha256, r.sent.sha256);
  const lh = ifDelta(s.rig.lighthouseTraffic(), lhBefore);
  const a = ifDelta(s.rig.publicTraffic(sa), aBefore);
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
