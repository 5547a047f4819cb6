// `tio demo --mesh`: the lighthouse, punchy and relay parts of docs/ARCHITECTURE.md at work. A tio
// lighthouse (also a relay) on a "public" bridge; nodes a and b behind cone NATs find each other
// through it and punch a direct path; node c behind a symmetric NAT cannot be punched to, so a
// reaches it through the relay. Per path a SHA-256-checked TCP transfer, and the lighthouse's
// interface counters show the punched path bypassed it and the relayed one crossed it.
import { join } from 'node:path';
import { writeNodeConfigFile } from './config.js';
import { probe, startListener, stopListener, tcpTransfer, type TransferResult } from './measure.js';
import { buildMesh, ifBytes, type MeshTopology } from './mesh-rig.js';
import { writeDemoPki, type DemoPki } from './pki.js';
import { jsonLine, MAIN_JS, spawnNode, stopChild, waitForLine, type Collected } from './procs.js';
import type { Progress } from './progress.js';
import type { Rig } from './rig.js';

/** One measured path of the mesh demo. */
export interface MeshRow {
  label: string;
  transfer: TransferResult;
  /** Bytes that crossed the lighthouse's interface during the transfer (rx + tx). */
  lighthouseBytes: number;
}

const OVERLAY = { lh: '198.19.100.1', nodes: ['198.19.100.10', '198.19.100.11', '198.19.100.12'], prefix: 16 };
const PORT = 4242;
const TCP_PORT = 5001;
const TUN_MTU = 1300;

/** A log line of a node: what it says and about whom. */
interface LogLine {
  msg?: string;
  vpnIp?: string;
  udpAddr?: string;
}

const human = (n: number): string => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

/** Runs the mesh scenario in rig; resolves with one row per path (a<->b punched, a<->c relayed). */
export async function runMesh(rig: Rig, progress: Progress, dir: string, bytes: number): Promise<MeshRow[]> {
  const names = ['lh', 'a', 'b', 'c'];
  const pki = await progress.step('made a throwaway CA and certificates for the lighthouse and nodes a, b, c', () =>
    writeDemoPki(dir, names.map((name, i) => ({ name, cidr: `${i === 0 ? OVERLAY.lh : OVERLAY.nodes[i - 1]}/${OVERLAY.prefix}` }))));
  const topo = await progress.step('built the NAT topology: a "public" bridge, the lighthouse on it, three NAT routers', () =>
    buildMesh(rig, ['cone', 'cone', 'symmetric']),
  (t) => `lighthouse ${t.lighthouseAddr}; a and b behind cone NATs (${t.sites[0]!.publicAddr}, ${t.sites[1]!.publicAddr}), c behind a symmetric NAT (${t.sites[2]!.publicAddr})`);
  const nodes: Collected[] = [];
  try {
    await progress.step('started the tio lighthouse, which also relays (am_lighthouse, relay.am_relay)', () =>
      startOne(rig, pki, dir, topo, 0, nodes), () => `${OVERLAY.lh} at ${topo.lighthouseAddr}:${PORT}`);
    await progress.step('started tio nodes a, b, c: each knows only the lighthouse', async () => {
      for (const i of [1, 2, 3]) await startOne(rig, pki, dir, topo, i, nodes);
    }, () => 'they tell it their addresses; c names it as its relay (relay.relays)');
    const [a, b, c] = [topo.sites[0]!.node, topo.sites[1]!.node, topo.sites[2]!.node];
    const rows: MeshRow[] = [];
    const path = async (label: string, server: string, ip: string, expect: 'punched' | 'relayed'): Promise<void> => {
      const how = expect === 'punched' ? 'asked the lighthouse where it is, both punched through their NATs' : 'its symmetric NAT defeats punching; the lighthouse names its relay, the tunnel goes through it';
      await progress.step(`a -> ${label}: ${how}`, () => connect(rig, a, server, ip), (m) => `TCP connect through the tunnel after ${m} ms`);
      const seen = nodes[1]!.lines.map((l) => jsonLine<LogLine>(l)).find((j) => j?.msg === 'Handshake message received' && j.vpnIp === ip);
      // A relayed handshake has no underlay address of its own (tio logs a placeholder), so only the punched one is shown.
      if (expect === 'punched' && seen?.udpAddr !== undefined) progress.line(`    a's handshake with ${ip} came from ${seen.udpAddr}: b's NAT's public address, a direct path`);
      if (expect === 'relayed' && seen !== undefined) progress.line(`    a's handshake with ${ip} came through the relay ${OVERLAY.lh}`);
      const before = ifBytes(topo.lighthouse, topo.lighthouseIf);
      const transfer = await progress.step(`a -> ${label} (${expect}): ${human(bytes)} over TCP, SHA-256 on both ends`,
        () => tcpTransfer(rig, { serverNs: server, clientNs: a, host: ip, port: TCP_PORT, bytes, timeoutMs: 60_000 + Math.ceil(bytes / (1 << 20)) * 1000 }),
        (t) => `${(t.gbps * 1000).toFixed(0)} Mbit/s, SHA-256 ${t.match ? 'match' : 'MISMATCH'}`);
      const after = ifBytes(topo.lighthouse, topo.lighthouseIf);
      const lighthouseBytes = after.rx - before.rx + after.tx - before.tx;
      progress.line(`    the lighthouse's interface moved ${human(lighthouseBytes)} meanwhile: ${lighthouseBytes < bytes ? 'the data did not cross it' : 'the data crossed it (the relay)'}`);
      if (expect === 'punched' && lighthouseBytes >= bytes) throw new Error(`the punched path a <-> ${label} crossed the lighthouse (${lighthouseBytes} bytes)`);
      if (expect === 'relayed' && lighthouseBytes < bytes) throw new Error(`the relayed path a <-> ${label} did not cross the relay (${lighthouseBytes} bytes)`);
      rows.push({ label: `a <-> ${label} (${expect})`, transfer, lighthouseBytes });
    };
    await path('b', b, OVERLAY.nodes[1]!, 'punched');
    await path('c', c, OVERLAY.nodes[2]!, 'relayed');
    return rows;
  } finally {
    await progress.step('stopped the lighthouse and the nodes', () => Promise.all(nodes.map((n) => stopChild(n))));
  }
}

/** Writes host i's config (0 the lighthouse, else node i-1) and starts `tio up`; resolves once its interface is active. */
async function startOne(rig: Rig, pki: DemoPki, dir: string, topo: MeshTopology, i: number, into: Collected[]): Promise<void> {
  const h = pki.hosts[i]!;
  const site = i === 0 ? undefined : topo.sites[i - 1]!;
  const file = writeNodeConfigFile(join(dir, `${h.name}.yml`), {
    ca: pki.caPath, cert: h.crtPath, key: h.keyPath, port: PORT, mtu: TUN_MTU, offload: true, dev: `tio-${h.name}`,
    listenHost: site?.nodeAddr ?? topo.lighthouseAddr,
    peers: site === undefined ? [] : [{ overlayIp: OVERLAY.lh, underlay: `${topo.lighthouseAddr}:${PORT}` }],
    lighthouse: site === undefined ? { am: true, hosts: [] } : { am: false, hosts: [OVERLAY.lh] },
    punchy: true,
    relay: { am: site === undefined, relays: site?.mode === 'symmetric' ? [OVERLAY.lh] : [] },
  });
  const node = spawnNode(rig, site?.node ?? topo.lighthouse, MAIN_JS, ['up', '-config', file]);
  into.push(node);
  await waitForLine(node, (l) => (jsonLine<LogLine>(l)?.msg === 'Nebula interface is active' ? true : undefined), 20_000, `tio ${h.name} starting`);
}

/** A TCP connect from ns `from` to ip in ns `server` (the first packet starts the handshake); resolves with its ms. */
async function connect(rig: Rig, from: string, server: string, ip: string): Promise<number> {
  const listener = await startListener(rig, server, ip, TCP_PORT);
  try {
    return await probe(rig, from, ip, TCP_PORT, 30_000);
  } finally {
    await stopListener(listener);
  }
}
