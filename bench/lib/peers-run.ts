// One contender of bench:peers: a node in namespace N, the scripted peer in
// namespace P, and the tunnel count grown step by step (1, 100, 1000 by
// default). At each step: the handshake rate of the new tunnels, the node's
// RSS once it has settled, ping RTT one at a time round-robin over all
// tunnels, and an echo rate with a window of echoes in flight, round-robin,
// with the node's CPU time per echo (one packet in, one out). Before the first
// RSS is taken the node carries WARM_MS of echoes once: the first traffic
// touches the data path's buffers (measured: tio's RSS at 1 tunnel rose
// 68.1 -> 78.7 MiB with it, at 1000 tunnels 0.3 MiB), a one-time cost that
// would otherwise count as memory per tunnel.
//
// Topology (underlay 198.18.40.0/24, overlay 198.19.0.0/16):
//
//   N 198.18.40.1:4242 ==veth== P 198.18.40.2, plus peer source addresses 198.18.40.10..
//   node 198.19.0.1/16           peers 198.19.1.1, 198.19.1.2, ... (one certificate and UDP port each)
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { addAddress, Netns, vethPair } from '../../kit/netns.js';
import type { HostFiles, TestPki } from '../../kit/nebula-pki.js';
import { cpuTicksOf, rssOf } from '../../kit/proc.js';
import type { NsProcess } from '../../kit/process.js';
import { BenchError } from './errors.js';
import { ScriptedPeer } from './peers-driver.js';
import type { PeerEvent, RttSummary } from './peers-protocol.js';
import { MAX_SOURCE_ADDRESSES, sourceAddresses } from './source-addresses.js';
import { UNDER_MTU, type Contender } from './tunnel-contenders.js';

/** N's underlay address and the first peer source address: 198.18.40.0/24. */
export const NODE_UNDER = '198.18.40.1';
const PEER_UNDER = '198.18.40.2';
/** Peer source addresses fit in 198.18.40.10..254. */
export const MAX_ADDRESSES = MAX_SOURCE_ADDRESSES;
/** The node's overlay address and the first peer's. */
export const NODE_OVER = '198.19.0.1';
export const FIRST_PEER_OVER = '198.19.1.1';
/** The port writeNodeConfig gives every node. */
const NODE_PORT = 4242;
/** Clock ticks per second of /proc/PID/stat (USER_HZ). */
const USER_HZ = 100;
/** How long a node may take to log that its interface is up. */
const NODE_READY_MS = 30_000;
/** RSS settling: sampled this often, settled when it moved less than SETTLE_FRACTION over SETTLE_SPAN_MS, never waited on longer than SETTLE_MAX_MS. */
const SETTLE_SAMPLE_MS = 250;
const SETTLE_SPAN_MS = 1_000;
const SETTLE_FRACTION = 0.005;
const SETTLE_MAX_MS = 6_000;
/** Echo traffic, ms, that warms the node before its first RSS (see the module comment). */
const WARM_MS = 1_000;
/** A ping not answered within this counts as lost. */
const PING_TIMEOUT_MS = 1_000;
/** Grace for the node at stop; longer when it writes a CPU profile at exit. */
const NODE_STOP_MS = 5_000;
const NODE_STOP_PROFILING_MS = 30_000;

/** Peer source addresses 198.18.40.10, .11, ... */
export function peerAddresses(n: number): string[] {
  return sourceAddresses(40, n, 'addresses');
}

/** What a run needs besides the contender. */
export interface PeersSpec {
  pki: TestPki;
  /** The node's certificate (NODE_OVER). */
  node: HostFiles;
  /** Tunnel counts, ascending. */
  steps: readonly number[];
  addresses: number;
  /** Handshakes in flight at once while growing. */
  window: number;
  growTimeoutMs: number;
  pings: number;
  rateMs: number;
  rateWindow: number;
  /** When set: tio nodes and the scripted peer write CPU profiles into this dir. */
  profileDir?: string;
}

/** The figures at one tunnel count. */
export interface StepResult {
  tunnels: number;
  /** New tunnels in this step and the handshake rate they came up at (per second). */
  added: number;
  handshakesPerS: number;
  /** msg1 datagrams the peer sent per new tunnel (1 = none lost or refused). */
  msg1PerHandshake: number;
  /** Handshakes whose 10 tries ran out (started again). */
  restarted: number;
  /** Node RSS after the step's handshakes settled, and after the ping and rate traffic, bytes. */
  rssIdle: number;
  rssAfter: number;
  ping: RttSummary;
  pingSent: number;
  /** Echo replies per second with rateWindow in flight, round-robin over the tunnels. */
  echoPerS: number;
  echoRtt: RttSummary;
  /** Node CPU (user + system, all threads) per echo answered, microseconds. */
  cpuUsPerEcho: number;
}

/** One contender's run. */
export interface PeersSample {
  contender: string;
  /** Time the peer took to sign all its certificates, ms. */
  signMs?: number;
  steps: StepResult[];
  /** CPU profiles this run wrote (node, then peer) when profiling. */
  profiles: string[];
  error?: string;
  teardown?: string;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** RSS of pid once it stopped moving (bounded: the last sample after SETTLE_MAX_MS); NaN if the process is gone. */
async function settledRss(pid: number): Promise<number> {
  const keep = Math.ceil(SETTLE_SPAN_MS / SETTLE_SAMPLE_MS) + 1;
  const samples: number[] = [];
  const deadline = Date.now() + SETTLE_MAX_MS;
  for (;;) {
    samples.push(rssOf(pid));
    if (samples.length > keep) samples.shift();
    const hi = Math.max(...samples);
    if (Number.isNaN(hi) || (samples.length === keep && hi - Math.min(...samples) <= hi * SETTLE_FRACTION) || Date.now() >= deadline) {
      return samples[samples.length - 1]!;
    }
    await sleep(SETTLE_SAMPLE_MS);
  }
}

function expect<K extends PeerEvent['event']>(e: PeerEvent, kind: K): Extract<PeerEvent, { event: K }> {
  if (e.event !== kind) throw new BenchError('ERR_BENCH_PEER', `scripted peer: expected ${kind}, got ${JSON.stringify(e)}`);
  return e as Extract<PeerEvent, { event: K }>;
}

/** Runs c; never throws, always stops its processes and destroys its namespaces. */
export async function measurePeers(c: Contender, spec: PeersSpec, progress: (line: string) => void): Promise<PeersSample> {
  const out: PeersSample = { contender: c.name, steps: [], profiles: [] };
  // A profile file name must be a file name: a baseline contender's name has an '@'.
  const profArgs = (who: string): string[] => {
    if (spec.profileDir === undefined) return [];
    const name = `peers-${c.name.replace(/[^\w-]/g, '_')}-${who}.cpuprofile`;
    out.profiles.push(join(spec.profileDir, name));
    return ['--cpu-prof', `--cpu-prof-dir=${spec.profileDir}`, `--cpu-prof-name=${name}`];
  };
  const spaces: Netns[] = [];
  let node: NsProcess | undefined;
  let peer: ScriptedPeer | undefined;
  try {
    if (!c.startNode) throw new BenchError('ERR_BENCH_ARGS', `${c.name} cannot start a single node`);
    const [n, p] = (['peern', 'peerp'] as const).map((tag) => {
      const ns = Netns.create(tag);
      spaces.push(ns);
      return ns;
    }) as [Netns, Netns];
    const { bIf } = vethPair(n, p, { aAddr: `${NODE_UNDER}/24`, bAddr: `${PEER_UNDER}/24`, mtu: UNDER_MTU });
    const addresses = peerAddresses(spec.addresses);
    for (const a of addresses) addAddress(p, bIf, `${a}/24`);

    node = c.startNode({ ns: n, pki: spec.pki, me: spec.node, listen: NODE_UNDER, peers: [], dev: 'peers0', side: 'node' }, c.name.startsWith('tio') ? profArgs('node') : []);
    await node.waitForLog('Nebula interface is active', NODE_READY_MS);
    const pid = node.pid;
    const max = spec.steps[spec.steps.length - 1]!;
    progress(`${c.name}: signing ${max} peer certificates...`);
    const started = await ScriptedPeer.start(p, {
      target: `${NODE_UNDER}:${NODE_PORT}`, nodeIp: NODE_OVER, ca: spec.pki.caCrt, caKey: spec.pki.caKey, addresses, count: max, firstIp: FIRST_PEER_OVER,
    }, profArgs('peer'));
    peer = started.peer;
    out.signMs = started.ready.signMs;
    const running = node;
    const alive = (what: string): void => {
      if (!running.running()) throw new BenchError('ERR_BENCH_NODE', `${c.name} died ${what}: ${running.status()}:\n${running.output()}`);
    };
    for (const tunnels of spec.steps) {
      progress(`${c.name}: ${tunnels} tunnels...`);
      const g = expect(await peer.command({ op: 'grow', to: tunnels, window: spec.window, timeoutMs: spec.growTimeoutMs }, spec.growTimeoutMs), 'grown');
      alive(`growing to ${tunnels} tunnels`);
      if (tunnels === spec.steps[0]) {
        expect(await peer.command({ op: 'rate', ms: WARM_MS, window: spec.rateWindow }, WARM_MS), 'rated');
        alive('warming up');
      }
      const rssIdle = await settledRss(pid);
      const pingBound = spec.pings * PING_TIMEOUT_MS;
      const pg = expect(await peer.command({ op: 'ping', count: spec.pings, timeoutMs: PING_TIMEOUT_MS }, pingBound), 'pinged');
      const cpu0 = cpuTicksOf(pid);
      const r = expect(await peer.command({ op: 'rate', ms: spec.rateMs, window: spec.rateWindow }, spec.rateMs), 'rated');
      const cpu1 = cpuTicksOf(pid);
      alive(`under traffic with ${tunnels} tunnels`);
      const rssAfter = await settledRss(pid);
      out.steps.push({
        tunnels: g.tunnels, added: g.added, handshakesPerS: g.handshakeMs > 0 ? (g.added * 1000) / g.handshakeMs : Number.NaN,
        msg1PerHandshake: g.added > 0 ? g.msg1Sent / g.added : Number.NaN, restarted: g.restarted,
        rssIdle, rssAfter, ping: pg.rtt, pingSent: pg.sent,
        echoPerS: (r.answered * 1000) / r.ms, echoRtt: r.rtt,
        cpuUsPerEcho: r.answered > 0 ? (((cpu1 - cpu0) / USER_HZ) * 1e6) / r.answered : Number.NaN,
      });
    }
  } catch (e) {
    out.error = `${message(e)}${node === undefined ? '' : `\n${c.name} log (last lines):\n${node.output(10)}`}`;
  } finally {
    try {
      await peer?.stop();
    } catch (e) {
      out.teardown ??= `stopping the scripted peer: ${message(e)}`;
    }
    try {
      await node?.stop(spec.profileDir === undefined ? NODE_STOP_MS : NODE_STOP_PROFILING_MS);
    } catch (e) {
      out.teardown ??= `stopping ${c.name}: ${message(e)}`;
    }
    for (const ns of spaces) {
      try {
        ns.destroy();
      } catch (e) {
        out.teardown ??= `destroying ${ns.name}: ${message(e)}`;
      }
    }
  }
  return out;
}
