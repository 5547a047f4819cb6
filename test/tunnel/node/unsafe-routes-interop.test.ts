// Unsafe routes against the real nebula 1.6.1 binary: tio routes a network via a nebula peer,
// nebula routes one via a tio peer (TCP to a host behind the peer arrives intact either way), and
// for one tun section tio leaves the kernel with the same routes and device MTU as nebula does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../src/tunnel/config/index.js';
import { nodeOptionsFromConfig } from '../../../src/tunnel/node/from-config.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { Netns, destroyAll, rootSkipReason } from '../../../kit/netns.js';
import { behindPeerTopology, type BehindPeerTopology } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason, type HostFiles, type TestPki } from '../../../kit/nebula-pki.js';
import { startNebula, writeNodeConfig, type NebulaConfigOptions, type NebulaProcess } from '../../../kit/nebula.js';
import { tcpTransfer } from '../../../kit/tcp.js';

const skip = rootSkipReason() ?? nebulaSkipReason();
after(destroyAll);

const MiB = 1024 * 1024;
const A_IP = '198.19.0.1';
const B_IP = '198.19.0.2';

/** A tio node started in-process from the YAML nebula reads. */
function startTio(pki: TestPki, me: HostFiles, ns: string, listen: string, peers: [HostFiles, string][], opts: NebulaConfigOptions, lines: string[]): OverlayNode {
  const file = writeNodeConfig(pki, me, listen, peers, opts, 'tio');
  const { config } = parseConfig(readFileSync(file, 'utf8'), file);
  return OverlayNode.start(nodeOptionsFromConfig(config, new Logger('info', 'text', (l) => lines.push(l)), { netns: ns }));
}

/** A (198.19.0.1) and B (198.19.0.2, certificate subnet 198.18.200.0/24) in behindPeerTopology; fn starts the nodes. */
async function withBehind(tag: string, net: number, fn: (t: BehindPeerTopology, ha: HostFiles, hb: HostFiles, pki: TestPki) => Promise<void>): Promise<void> {
  const pki = makePki([['a', `${A_IP}/16`]]);
  let topo: BehindPeerTopology | undefined;
  try {
    const hb = pki.sign('b', `${B_IP}/16`, ['-subnets', '198.18.200.0/24']);
    topo = behindPeerTopology(tag, net);
    await fn(topo, pki.hosts.get('a')!, hb, pki);
  } finally {
    topo?.destroy();
    pki.dispose();
  }
}

function failWithLogs(e: unknown, neb: NebulaProcess | undefined, lines: string[]): Error {
  return new Error(`${(e as Error).message}\n--- nebula ---\n${neb?.log.join('\n') ?? ''}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
}

test('tio with an unsafe route via nebula: TCP to the host behind nebula arrives intact', { skip, timeout: 180_000 }, async () => {
  await withBehind('urt', 125, async (t, ha, hb, pki) => {
    const lines: string[] = [];
    let neb: NebulaProcess | undefined;
    let node: OverlayNode | undefined;
    try {
      neb = startNebula(t.b, pki, hb, t.bAddr, [[ha, t.aAddr]], { dev: 'nebb' });
      node = startTio(pki, ha, t.a.name, t.aAddr, [[hb, t.bAddr]], { dev: 'tioa', unsafeRoutes: [{ route: t.behind, via: B_IP }] }, lines);
      await neb.waitForLog('Nebula interface is active', 15_000);
      const r = await tcpTransfer(t.c, t.a, t.cAddr, 5511, 8 * MiB, 120_000);
      assert.equal(r.received.sha256, r.sent.sha256);
      const s = node.status();
      assert.deepEqual(s.tunnels.map((x) => x.overlayAddress), [B_IP]);
      assert.equal(s.counters.drops['outside-remote-ip'] + s.counters.drops['inside-remote-ip'], 0);
      assert.ok(!neb.log.some((l) => /level=error/.test(l)), 'nebula logged no error');
    } catch (e) {
      throw failWithLogs(e, neb, lines);
    } finally {
      await node?.stop();
      await neb?.stop();
    }
  });
});

test('nebula with an unsafe route via tio: TCP to the host behind tio arrives intact', { skip, timeout: 180_000 }, async () => {
  await withBehind('urn', 126, async (t, ha, hb, pki) => {
    const lines: string[] = [];
    let neb: NebulaProcess | undefined;
    let node: OverlayNode | undefined;
    try {
      node = startTio(pki, hb, t.b.name, t.bAddr, [[ha, t.aAddr]], { dev: 'tiob' }, lines);
      neb = startNebula(t.a, pki, ha, t.aAddr, [[hb, t.bAddr]], { dev: 'neba', unsafeRoutes: [{ route: t.behind, via: B_IP }] });
      await neb.waitForLog('Nebula interface is active', 15_000);
      const r = await tcpTransfer(t.c, t.a, t.cAddr, 5512, 8 * MiB, 120_000);
      assert.equal(r.received.sha256, r.sent.sha256);
      const s = node.status();
      assert.deepEqual(s.tunnels.map((x) => x.overlayAddress), [A_IP]);
      assert.ok(s.counters.delivered > 0);
      assert.equal(s.counters.drops['outside-remote-ip'] + s.counters.drops['inside-firewall'] + s.counters.drops['outside-firewall'], 0);
    } catch (e) {
      throw failWithLogs(e, neb, lines);
    } finally {
      await node?.stop();
      await neb?.stop();
    }
  });
});

test('for the same tun section tio installs the routes and device MTU nebula does', { skip, timeout: 60_000 }, async () => {
  const pki = makePki([['a', `${A_IP}/16`], ['b', `${B_IP}/16`]]);
  const nsN = Netns.create('urmn');
  const nsT = Netns.create('urmt');
  const lines: string[] = [];
  let neb: NebulaProcess | undefined;
  let node: OverlayNode | undefined;
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  // An MTU above tun.mtu (the device takes the largest), an unsafe route without one, and one with an MTU and a metric.
  const tun: NebulaConfigOptions = {
    mtu: 1300,
    routes: [{ route: '198.19.5.0/24', mtu: 1400 }],
    unsafeRoutes: [{ route: '198.18.200.0/24', via: B_IP }, { route: '198.18.201.0/24', via: B_IP, mtu: 1200, metric: 50 }],
  };
  try {
    neb = startNebula(nsN, pki, ha, '0.0.0.0', [[hb, '198.18.0.2']], { ...tun, dev: 'urdev' });
    node = startTio(pki, ha, nsT.name, '0.0.0.0', [[hb, '198.18.0.2']], { ...tun, dev: 'urdev' }, lines);
    await neb.waitForLog('Nebula interface is active', 15_000);
    const routesOf = (ns: Netns): string => ns.exec('ip', ['-4', 'route', 'show', 'dev', 'urdev']);
    const mtuOf = (ns: Netns): string => /\bmtu (\d+)/.exec(ns.exec('ip', ['link', 'show', 'urdev']))![1]!;
    assert.equal(routesOf(nsT), routesOf(nsN));
    assert.equal(mtuOf(nsT), mtuOf(nsN));
    assert.equal(mtuOf(nsT), '1400');
    assert.match(routesOf(nsT), /^198\.18\.200\.0\/24 scope link advmss 1260 $/m);
  } catch (e) {
    throw failWithLogs(e, neb, lines);
  } finally {
    await node?.stop();
    await neb?.stop();
    nsN.destroy();
    nsT.destroy();
    pki.dispose();
  }
});
