// Root-only, with the nebula 1.6.1 binary in every role: the NAT rig
// (kit/nat-rig.ts) reproduces what lighthouses, hole punching and relays are
// for. Behind cone NATs two nodes find each other through the lighthouse and
// punch a direct path; behind symmetric NATs only the relay joins them. The
// lighthouse's interface counters tell which path the data took.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rootSkipReason, type Netns } from '../../kit/netns.js';
import { natRig, type NatRig, type SiteMode } from '../../kit/nat-rig.js';
import { makePki, nebulaSkipReason, type HostFiles, type TestPki } from '../../kit/nebula-pki.js';
import { startNebulaRole, type NebulaProcess } from '../../kit/nebula.js';
import { ifDelta } from '../../kit/netstat.js';
import { tcpTransfer } from '../../kit/tcp.js';
import { waitFor } from '../../kit/wait.js';
import { tryRun } from '../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason() ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined);
/** Bytes moved between the two nodes. */
const BYTES = 16 << 20;
/** Lighthouse traffic allowed during a transfer that bypasses it: keepalives and lighthouse updates only. */
const CONTROL_BYTES = 256 << 10;
const PORT = 5201;

/** A rig with a nebula lighthouse up and two nebula nodes behind it, not yet started. */
interface Net {
  rig: NatRig;
  pki: TestPki;
  lh: HostFiles;
  a: HostFiles;
  b: HostFiles;
  procs: NebulaProcess[];
}

/** Builds the rig and PKI and starts the lighthouse; run(net) does the rest; everything is torn down on every path. */
async function withNet(tag: string, modes: readonly SiteMode[], net: number, amRelay: boolean, body: (n: Net) => Promise<void>): Promise<void> {
  const rig = natRig({ tag, sites: modes, net });
  let pki: TestPki | undefined;
  const procs: NebulaProcess[] = [];
  try {
    pki = makePki([['lh', '198.19.40.1/16'], ['a', '198.19.40.10/16'], ['b', '198.19.40.11/16']]);
    const lh = pki.hosts.get('lh')!;
    const lhProc = startNebulaRole(rig.lighthouse, pki, lh, rig.lighthouseAddr, { kind: 'lighthouse', amRelay });
    procs.push(lhProc);
    await lhProc.waitForLog('Nebula interface is active', 30_000);
    await body({ rig, pki, lh, a: pki.hosts.get('a')!, b: pki.hosts.get('b')!, procs });
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(40)}\n`);
    throw e;
  } finally {
    for (const p of procs) await p.kill();
    rig.dispose();
    pki?.dispose();
  }
}

/** Starts nodes a and b in sites 0 and 1 (relays: the lighthouse when asked); resolves with the start time. */
function startNodes(n: Net, relay: boolean): bigint {
  const t0 = process.hrtime.bigint();
  for (const [i, h] of [[0, n.a], [1, n.b]] as const) {
    const site = n.rig.sites[i]!;
    n.procs.push(startNebulaRole(site.node, n.pki, h, site.nodeAddr, {
      kind: 'node',
      lighthouses: [[n.lh, `${n.rig.lighthouseAddr}:4242`]],
      relays: relay ? [n.lh.ip] : [],
    }));
  }
  return t0;
}

/** Pings `to` from ns until a reply comes back; resolves with the milliseconds since t0. */
async function firstReply(ns: Netns, to: string, t0: bigint, timeoutMs: number): Promise<number> {
  await waitFor(async () => {
    try {
      // A ping sent while nebula handshakes is held and delivered once the tunnel is up.
      await ns.execAsync('ping', ['-c', '1', '-W', '2', to], { timeoutMs: 10_000 });
      return true;
    } catch {
      return false;
    }
  }, timeoutMs, `a ping reply from ${to}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Moves BYTES from node a to node b over the overlay; returns the lighthouse's and a's public traffic during it. */
async function transfer(t: TestContext, n: Net): Promise<{ lighthouse: number; aPublic: number }> {
  const [sa, sb] = n.rig.sites as [NatRig['sites'][number], NatRig['sites'][number]];
  const lhBefore = n.rig.lighthouseTraffic();
  const aBefore = n.rig.publicTraffic(sa);
  const r = await tcpTransfer(sb.node, sa.node, n.b.ip, PORT, BYTES, 120_000);
  assert.equal(r.received.bytes, BYTES);
  assert.equal(r.received.sha256, r.sent.sha256);
  const lh = ifDelta(n.rig.lighthouseTraffic(), lhBefore);
  const a = ifDelta(n.rig.publicTraffic(sa), aBefore);
  t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; lighthouse interface rx ${lh.rxBytes} tx ${lh.txBytes}; a's router public tx ${a.txBytes}`);
  return { lighthouse: Math.min(lh.rxBytes, lh.txBytes), aPublic: a.txBytes };
}

test('nebula 1.6.1 behind two cone NATs: nodes find each other through the lighthouse and punch a direct path', { skip, timeout: 240_000 }, async (t) => {
  await withNet('natpc', ['cone', 'cone'], 44, false, async (n) => {
    const t0 = startNodes(n, false);
    const ms = await firstReply(n.rig.sites[0]!.node, n.b.ip, t0, 60_000);
    t.diagnostic(`nebula: first reply through the punched path ${ms.toFixed(0)} ms after the nodes started`);
    const { lighthouse, aPublic } = await transfer(t, n);
    assert.ok(aPublic >= BYTES, `a's router sent only ${aPublic} bytes`);
    assert.ok(lighthouse < CONTROL_BYTES, `the transfer crossed the lighthouse (${lighthouse} bytes each way)`);
    // Cone mappings keep nebula's listen port, which is what the lighthouse told the other node.
    for (const site of n.rig.sites) assert.ok(n.rig.claimedPublicPorts(site).has(4242), `${site.publicAddr} did not keep port 4242`);
  });
});

test('nebula 1.6.1 behind two symmetric NATs: punching fails and the relay carries the traffic', { skip, timeout: 240_000 }, async (t) => {
  await withNet('natps', ['symmetric', 'symmetric'], 46, true, async (n) => {
    const t0 = startNodes(n, true);
    const ms = await firstReply(n.rig.sites[0]!.node, n.b.ip, t0, 90_000);
    t.diagnostic(`nebula: first reply through the relay ${ms.toFixed(0)} ms after the nodes started`);
    // a tried b's mapping toward the lighthouse first; b's router refused it.
    assert.ok(n.rig.unsolicitedDrops(n.rig.sites[1]!) > 0, 'no direct attempt was dropped at b\'s router');
    const { lighthouse } = await transfer(t, n);
    assert.ok(lighthouse >= BYTES, `the transfer did not cross the relay (${lighthouse} bytes each way)`);
  });
});
