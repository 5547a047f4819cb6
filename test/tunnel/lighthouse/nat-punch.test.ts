// Root-only, in the NAT rig (kit/nat-rig.ts, kit/nat-overlay.ts): tio's lighthouse server and
// punchy against nebula 1.6.1 in every pairing. Two nodes behind cone NATs know only the
// lighthouse; they find each other through it, punch a direct path, and a SHA-256-checked TCP
// transfer between them must not cross the lighthouse (its interface counters say so). The time to
// the first reply is printed, never asserted.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { msToFirstReply } from '../../../kit/nat-overlay.js';
import { natSkipReason, siteTransfer, withNatScene, type NatScene, type Program } from '../../../kit/nat-scene.js';
import type { NsProcess } from '../../../kit/process.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = natSkipReason();
/** Bytes moved between the two nodes. */
const BYTES = 16 << 20;
/** Lighthouse traffic allowed during a transfer that bypasses it: keepalives and lighthouse updates only. */
const CONTROL_BYTES = 256 << 10;
const PORT = 5201;

/** Builds a rig of two cone sites and its overlay, runs body; every process, namespace and file goes on every path. */
async function withScene(tag: string, net: number, body: (s: NatScene) => Promise<void>): Promise<void> {
  await withNatScene({ tag, sites: ['cone', 'cone'], net }, body);
}

/**
 * Starts the lighthouse and both nodes with the programs given; resolves with the nodes' start time once the lighthouse runs.
 * quiet1: node 1 runs with punchy.punch and punchy.respond off.
 */
async function startAll(s: NatScene, lighthouse: Program, nodes: readonly [Program, Program], quiet1 = false): Promise<{ lh: NsProcess; t0: bigint }> {
  const lh = await s.lighthouse(lighthouse, { level: 'debug' });
  const t0 = process.hrtime.bigint();
  for (const i of [0, 1] as const) {
    const off = quiet1 && i === 1 ? { punch: false, respond: false } : {};
    s.node(i, nodes[i], { level: 'debug', ...off });
  }
  return { lh, t0 };
}

/** Moves BYTES from node 0 to node 1, checks the hash, and that the data bypassed the lighthouse. */
async function directTransfer(t: TestContext, s: NatScene): Promise<void> {
  const { result: r, lighthouse: lh, fromPublic: a } = await siteTransfer(s, 0, 1, PORT, BYTES, 120_000);
  assert.equal(r.received.bytes, BYTES);
  assert.equal(r.received.sha256, r.sent.sha256);
  t.diagnostic(`${BYTES} bytes in ${r.seconds.toFixed(2)} s; lighthouse interface rx ${lh.rxBytes} tx ${lh.txBytes}; site 0's router public tx ${a.txBytes}`);
  assert.ok(a.txBytes >= BYTES, `site 0's router sent only ${a.txBytes} bytes`);
  assert.ok(Math.min(lh.rxBytes, lh.txBytes) < CONTROL_BYTES, `the transfer crossed the lighthouse (rx ${lh.rxBytes}, tx ${lh.txBytes})`);
}

/**
 * One pairing: lighthouse and nodes as given, first reply, then a direct transfer. Node 0 asks, so
 * the lighthouse's punch notification goes to node 1; a tio node 1 must have acted on it.
 */
async function pairing(t: TestContext, tag: string, net: number, lighthouse: Program, nodes: readonly [Program, Program]): Promise<void> {
  await withScene(tag, net, async (s) => {
    const { t0 } = await startAll(s, lighthouse, nodes);
    const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 60_000);
    t.diagnostic(`${lighthouse} lighthouse, ${nodes.join(' + ')}: first reply ${ms.toFixed(0)} ms after the nodes started`);
    if (nodes[1] === 'tio') await s.procs[2]!.waitForLog('Punch notification', 10_000);
    await directTransfer(t, s);
    // punchy.respond: 5 s after the notification node 1 sends the asker a test message (nebula logs it at debug).
    const asker = s.ov.nodes[0]!.ip.replaceAll('.', '\\.');
    await s.procs[2]!.waitForLog(new RegExp(nodes[1] === 'tio' ? `Punch respond.*${asker}` : `Sending a nebula test packet to vpn ip ${asker}`), 15_000);
    if (lighthouse === 'tio' && nodes[0] === 'tio') {
      // A clean stop sends close_tunnel; the lighthouse then forgets the host, as 1.6.1.
      await s.procs[1]!.stop();
      await s.procs[0]!.waitForLog(/Deleting host from lighthouse.*198\.19\.40\.10/, 10_000);
    }
  });
}

test('a tio lighthouse joins two nebula 1.6.1 nodes behind cone NATs on a direct punched path', { skip, timeout: 240_000 }, async (t) => {
  await pairing(t, 'lhtn', 50, 'tio', ['nebula', 'nebula']);
});

test('a nebula 1.6.1 lighthouse joins two tio nodes behind cone NATs on a direct punched path', { skip, timeout: 240_000 }, async (t) => {
  await pairing(t, 'lhnt', 52, 'nebula', ['tio', 'tio']);
});

test('a tio lighthouse joins a tio node and a nebula 1.6.1 node behind cone NATs on a direct punched path, and forgets the tio node when it stops', { skip, timeout: 240_000 }, async (t) => {
  await pairing(t, 'lhtm', 54, 'tio', ['tio', 'nebula']);
});

test('a tio lighthouse killed and restarted is found again by running tio and nebula nodes, which need no restart, and TCP through what it tells is intact', { skip, timeout: 300_000 }, async (t) => {
  await withNatScene({ tag: 'lhrs', sites: ['cone', 'cone', 'cone'], net: 56 }, async (s) => {
    const { rig, ov, procs } = s;
    const lh = await s.lighthouse('tio', { level: 'debug' });
    s.node(0, 'tio', { level: 'debug' });
    s.node(1, 'nebula', { level: 'debug' });
    await msToFirstReply(rig.sites[0]!.node, ov.nodes[1]!.ip, process.hrtime.bigint(), 60_000);
    // A crash: the new lighthouse knows no host and no tunnel; the nodes' tunnels to it are dead.
    await lh.kill();
    await s.lighthouse('tio', { level: 'debug', what: 'tio lighthouse (restarted)' });
    const t0 = process.hrtime.bigint();
    // A node that starts now can reach the others only through what the new lighthouse learned from them.
    s.node(2, 'tio', { level: 'debug' });
    const toTio = await msToFirstReply(rig.sites[2]!.node, ov.nodes[0]!.ip, t0, 120_000);
    const toNebula = await msToFirstReply(rig.sites[2]!.node, ov.nodes[1]!.ip, t0, 120_000);
    t.diagnostic(`after the restart, a new node reached the tio node in ${toTio.toFixed(0)} ms and the nebula node in ${toNebula.toFixed(0)} ms`);
    // The nodes found through the restarted lighthouse carry data both ways intact.
    for (const [i, port] of [[0, 5281], [1, 5282]] as const) {
      for (const [from, to, toIp] of [[2, i, ov.nodes[i]!.ip], [i, 2, ov.nodes[2]!.ip]] as const) {
        const r = await tcpTransfer(rig.sites[to]!.node, rig.sites[from]!.node, toIp, port + 10 * from, BYTES, 120_000);
        assert.equal(r.received.bytes, BYTES);
        assert.equal(r.received.sha256, r.sent.sha256);
      }
    }
    assert.ok(procs[1]!.running() && procs[2]!.running(), 'a node stopped');
  });
});

// Behind a port-restricted cone NAT, node 1's router drops node 0's handshake until node 1 has sent
// something to node 0's address; node 1 knows that address only from the punch notification. A
// direct transfer therefore shows node 1 punched although punchy.punch and respond are off.
for (const [tag, net, program] of [['lhq1', 58, 'nebula'], ['lhq2', 60, 'tio']] as const) {
  test(`${program} punches for a notification with punchy.punch and punchy.respond off, as nebula 1.6.1`, { skip, timeout: 240_000 }, async (t) => {
    await withScene(tag, net, async (s) => {
      const { t0 } = await startAll(s, 'tio', ['tio', program], true);
      const ms = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t0, 60_000);
      t.diagnostic(`${program} node 1 with punch and respond off: first reply ${ms.toFixed(0)} ms after the nodes started`);
      await directTransfer(t, s);
    });
  });
}
