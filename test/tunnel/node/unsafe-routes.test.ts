// Unsafe routes between two tio nodes: A's config routes 198.18.200.0/24 via B, whose certificate
// lists that subnet and whose namespace has a host (C) on it. A's node installs the route from its
// config, and TCP from A to C crosses the tunnel intact (SHA-256 equal on both ends), with one
// queue and with two. Without the subnet in B's certificate, A refuses to send and says why;
// with install: false A adds no kernel route but still routes what reaches its device.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/tunnel/config/index.js';
import { nodeOptionsFromConfig } from '../../../src/tunnel/node/from-config.js';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { destroyAll, rootSkipReason, waitFor } from '../../../kit/netns.js';
import { behindPeerTopology, type BehindPeerTopology } from '../../../kit/topology.js';
import { makePki, nebulaCertSkipReason, type HostFiles, type TestPki } from '../../../kit/nebula-pki.js';
import { writeNodeConfig, type NebulaConfigOptions } from '../../../kit/nebula.js';
import { tcpTransfer } from '../../../kit/tcp.js';
import { readFileSync } from 'node:fs';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed' : undefined);
after(destroyAll);

const MiB = 1024 * 1024;
const A_IP = '198.19.0.1';
const B_IP = '198.19.0.2';

/** A tio node started in-process from the YAML a nebula node would read (so the config path is what is tested). */
function startFromConfig(pki: TestPki, me: HostFiles, ns: string, listen: string, peer: [HostFiles, string], opts: NebulaConfigOptions, lines: string[]): OverlayNode {
  const file = writeNodeConfig(pki, me, listen, [peer], { dev: `tio${me.name}`, ...opts }, 'tio');
  const { config } = parseConfig(readFileSync(file, 'utf8'), file);
  const log = new Logger('info', 'text', (l) => lines.push(`${me.name}: ${l}`));
  return OverlayNode.start(nodeOptionsFromConfig(config, log, { netns: ns }));
}

/** Runs fn with A (unsafe route to C's network via B) and B (certificate subnets `bSubnets`) started from configs. */
async function withBehind(
  o: { tag: string; net: number; bSubnets: string[]; routines?: number; install?: boolean },
  fn: (t: BehindPeerTopology, na: OverlayNode, nb: OverlayNode) => Promise<void>,
): Promise<void> {
  const pki = makePki([['a', `${A_IP}/16`]]);
  const lines: string[] = [];
  let topo: BehindPeerTopology | undefined;
  let na: OverlayNode | undefined;
  let nb: OverlayNode | undefined;
  try {
    const hb = pki.sign('b', `${B_IP}/16`, o.bSubnets.length > 0 ? ['-subnets', o.bSubnets.join(',')] : []);
    const ha = pki.hosts.get('a')!;
    topo = behindPeerTopology(o.tag, o.net);
    const extra = o.routines === undefined ? {} : { extra: `routines: ${o.routines}\n` };
    na = startFromConfig(pki, ha, topo.a.name, topo.aAddr, [hb, topo.bAddr], {
      ...extra, unsafeRoutes: [{ route: topo.behind, via: B_IP, mtu: 1200, metric: 20, install: o.install }],
    }, lines);
    nb = startFromConfig(pki, hb, topo.b.name, topo.bAddr, [ha, topo.aAddr], extra, lines);
    await na.ready;
    await nb.ready;
    await fn(topo, na, nb);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    await na?.stop();
    await nb?.stop();
    topo?.destroy();
    pki.dispose();
  }
}

for (const routines of [1, 2]) {
  test(`tio<->tio: TCP to a host behind the via peer arrives intact (routines ${routines})`, { skip, timeout: 180_000 }, async () => {
    await withBehind({ tag: 'ur', net: 120 + routines, bSubnets: ['198.18.200.0/24'], routines }, async (t, na, nb) => {
      // The route from the config, with its MTU, metric and nebula's advertised MSS (MTU - 40, as the MTU is not the device's).
      assert.match(t.a.exec('ip', ['-4', 'route', 'show', 'dev', 'tioa']), /^198\.18\.200\.0\/24 scope link metric 20 mtu 1200 advmss 1160 $/m);
      const r = await tcpTransfer(t.c, t.a, t.cAddr, 5501, 8 * MiB, 120_000);
      assert.equal(r.received.bytes, 8 * MiB);
      assert.equal(r.received.sha256, r.sent.sha256);
      const sa = na.status();
      assert.equal(sa.tunnels.length, 1, 'one tunnel, to the via peer');
      assert.equal(sa.tunnels[0]!.overlayAddress, B_IP);
      assert.equal(sa.counters.drops['inside-no-route'], 0);
      assert.equal(sa.counters.drops['outside-remote-ip'], 0, 'C\'s replies come from a subnet of B\'s certificate');
      assert.equal(nb.status().counters.drops['outside-firewall'], 0);
    });
  });
}

test('tio<->tio: without the subnet in the via peer\'s certificate, A drops the packets as inside-remote-ip', { skip, timeout: 120_000 }, async () => {
  await withBehind({ tag: 'urn', net: 123, bSubnets: [] }, async (t, na) => {
    await assert.rejects(t.a.execAsync('ping', ['-c', '1', '-W', '2', t.cAddr], { timeoutMs: 20_000 }));
    // The first packet starts the handshake and is held; it is refused once the tunnel is up and B's certificate is known.
    await waitFor(() => na.status().counters.drops['inside-remote-ip'] > 0, 10_000, 'A counts the refusal');
    assert.equal(na.status().counters.delivered, 0);
  });
});

test('tio<->tio: install: false adds no kernel route, yet packets the system sends to the device still go via the peer', { skip, timeout: 120_000 }, async () => {
  await withBehind({ tag: 'uri', net: 124, bSubnets: ['198.18.200.0/24'], install: false }, async (t) => {
    assert.doesNotMatch(t.a.exec('ip', ['-4', 'route', 'show', 'dev', 'tioa']), /198\.18\.200\.0/);
    // Another party's route (here: added by hand) sends the network to the device.
    t.a.exec('ip', ['route', 'add', t.behind, 'dev', 'tioa']);
    const r = await tcpTransfer(t.c, t.a, t.cAddr, 5502, 1 * MiB, 60_000);
    assert.equal(r.received.sha256, r.sent.sha256);
  });
});
