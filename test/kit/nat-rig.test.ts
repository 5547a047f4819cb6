// Root-only: kit/nat-rig.ts builds NAT boxes that behave like the ones hole
// punching meets in the field: cone keeps the port, symmetric does not, and
// neither lets an unsolicited datagram in or claim a public port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { destroyAll, rootSkipReason } from '../../kit/netns.js';
import { natRig, type NatRig } from '../../kit/nat-rig.js';
import { askMirror, sendDatagram, startUdpMirror } from '../../kit/udp-mirror.js';
import { waitFor } from '../../kit/wait.js';
import { tryRun } from '../../kit/run.js';

const skip = rootSkipReason() ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined);
/** The port a node uses inside, as nebula's listen.port would. */
const INSIDE = 4242;
/** Mirror ports on the lighthouse. */
const MIRRORS = [3478, 3479, 3480];

function listed(): string[] {
  return (tryRun('ip', ['netns', 'list']) ?? '').split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

describe('nat rig', { skip, timeout: 120_000 }, () => {
  let rig: NatRig;
  before(() => {
    rig = natRig({ tag: 'natk', sites: ['cone', 'symmetric', 'none', 'cone'], net: 40 });
  });
  after(() => {
    const names = rig ? [rig.pub, rig.lighthouse, ...rig.sites.flatMap((s) => [s.node, s.router])].flatMap((ns) => (ns ? [ns.name] : [])) : [];
    rig?.dispose();
    assert.deepEqual(listed().filter((n) => names.includes(n)), [], 'namespaces left after dispose');
  });

  test('cone: the lighthouse sees the router\'s public address and the inside port, for every destination; an earlier unsolicited datagram is dropped without claiming that port', async () => {
    const site = rig.sites[0]!;
    // The datagram comes from the very address and port the node will talk to
    // later: had conntrack kept it, the node's reply tuple would clash and the
    // router would pick another public port.
    await sendDatagram(rig.lighthouse, rig.lighthouseAddr, MIRRORS[0]!, `${site.publicAddr}:${INSIDE}`);
    await waitFor(() => rig.unsolicitedDrops(site) >= 1, 10_000, 'the router to drop the unsolicited datagram');
    assert.ok(rig.publicPortFree(site, INSIDE), 'the dropped datagram left a conntrack entry on the inside port');
    const mirror = await startUdpMirror(rig.lighthouse, rig.lighthouseAddr, MIRRORS);
    try {
      const seen = await askMirror(site.node, site.nodeAddr, INSIDE, MIRRORS.map((p) => `${rig.lighthouseAddr}:${p}`));
      assert.deepEqual(seen.map((s) => [s.address, s.port]), MIRRORS.map(() => [site.publicAddr, INSIDE]));
      assert.ok(rig.claimedPublicPorts(site).has(INSIDE));
    } finally {
      mirror.stop();
    }
  });

  test('cone without the input drop (control): an unsolicited datagram claims the public port, so the node is mapped elsewhere', async () => {
    const site = rig.sites[3]!;
    site.router!.exec('nft', ['flush chain ip tio_nat input']);
    await sendDatagram(rig.lighthouse, rig.lighthouseAddr, MIRRORS[0]!, `${site.publicAddr}:${INSIDE}`);
    await waitFor(() => rig.claimedPublicPorts(site).has(INSIDE), 10_000, 'conntrack to record the unsolicited datagram');
    const mirror = await startUdpMirror(rig.lighthouse, rig.lighthouseAddr, MIRRORS.slice(0, 1));
    try {
      const [seen] = await askMirror(site.node, site.nodeAddr, INSIDE, [`${rig.lighthouseAddr}:${MIRRORS[0]}`]);
      assert.equal(seen!.address, site.publicAddr);
      assert.notEqual(seen!.port, INSIDE);
    } finally {
      mirror.stop();
    }
  });

  test('symmetric: a fresh public port per destination, and unsolicited datagrams are dropped', async () => {
    const site = rig.sites[1]!;
    const mirror = await startUdpMirror(rig.lighthouse, rig.lighthouseAddr, MIRRORS);
    try {
      const seen = await askMirror(site.node, site.nodeAddr, INSIDE, MIRRORS.map((p) => `${rig.lighthouseAddr}:${p}`));
      assert.ok(seen.every((s) => s.address === site.publicAddr), JSON.stringify(seen));
      // Three random ports out of ~64k are all equal with odds of 1 in 4e9.
      assert.ok(new Set(seen.map((s) => s.port)).size > 1, `one port for every destination: ${JSON.stringify(seen)}`);
    } finally {
      mirror.stop();
    }
    const before = rig.unsolicitedDrops(site);
    await sendDatagram(rig.lighthouse, rig.lighthouseAddr, 5000, `${site.publicAddr}:${INSIDE}`);
    await waitFor(() => rig.unsolicitedDrops(site) > before, 10_000, 'the router to drop the unsolicited datagram');
  });

  test('none: a node on the bridge is seen with its own address', async () => {
    const site = rig.sites[2]!;
    assert.equal(site.router, undefined);
    const mirror = await startUdpMirror(rig.lighthouse, rig.lighthouseAddr, MIRRORS.slice(0, 1));
    try {
      const [seen] = await askMirror(site.node, site.nodeAddr, INSIDE, [`${rig.lighthouseAddr}:${MIRRORS[0]}`]);
      assert.deepEqual([seen!.address, seen!.port], [site.nodeAddr, INSIDE]);
      const t = rig.publicTraffic(site);
      assert.ok(t.txPackets > 0 && t.rxPackets > 0);
    } finally {
      mirror.stop();
    }
  });
});

describe('nat rig cleanup', { skip, timeout: 60_000 }, () => {
  const mine = (tag: string): string[] => listed().filter((n) => n.startsWith(`tio-${tag}`) && n.includes(`-${process.pid}-`));

  test('a set-up that fails half way removes what it built', () => {
    // The bridge refuses this MTU after the pub namespace exists.
    assert.throws(() => natRig({ tag: 'natf', sites: ['cone'], mtu: 1_000_000 }));
    assert.deepEqual(mine('natf'), []);
  });

  // destroyAll() takes every namespace of this process: it runs after the suite above has disposed its rig.
  test('destroyAll() removes a rig nobody disposed; dispose() afterwards is a no-op', () => {
    const rig = natRig({ tag: 'natd', sites: ['cone', 'symmetric', 'none'], net: 50 });
    assert.equal(mine('natd').length, 1 + 1 + 2 + 2 + 1);
    destroyAll();
    assert.deepEqual(mine('natd'), []);
    rig.dispose();
  });
});
