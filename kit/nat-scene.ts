// The frame of a NAT test: a rig (kit/nat-rig.ts) and its overlay
// (kit/nat-overlay.ts), nebula or `tio up` started in its namespaces (or a tio
// node in this process, to read its status), and everything (nodes,
// processes, namespaces, certificates) removed on every path; a failure
// prints each one's last output lines.
//
//   await withNatScene({ tag: 'lhx', sites: ['cone', 'cone'], net: 44 }, async (s) => {
//     await s.lighthouse('tio');
//     for (const i of [0, 1]) s.node(i, 'nebula');
//   });
import { Logger } from '../src/tunnel/log/logger.js';
import { loadConfigFile } from '../src/tunnel/config/index.js';
import { nodeOptionsFromConfig } from '../src/tunnel/node/from-config.js';
import { OverlayNode } from '../src/tunnel/node/node.js';
import type { Netns } from './netns.js';
import { rootSkipReason } from './netns.js';
import { natRig, type NatRig, type NatRigOptions } from './nat-rig.js';
import { rigOverlay, type OverlayConfigOptions, type RigOverlay } from './nat-overlay.js';
import { nebulaSkipReason } from './nebula-pki.js';
import { startNebulaWith } from './nebula.js';
import { ifDelta, type IfCounters } from './netstat.js';
import { startTio, type NsProcess } from './process.js';
import { tryRun } from './run.js';
import { tcpTransfer, type TransferResult } from './tcp.js';

/** Which program runs a role. */
export type Program = 'tio' | 'nebula';

/** How long a started program may take to log that its interface is up. */
const ACTIVE_MS = 30_000;

/** Why a NAT test must skip here: not root, no nebula or nebula-cert, no nft, or no ping. */
export function natSkipReason(): string | undefined {
  return rootSkipReason() ?? nebulaSkipReason()
    ?? (tryRun('nft', ['--version'], { timeoutMs: 5_000 }) === undefined ? 'nft (nftables) is not installed' : undefined)
    ?? (tryRun('ping', ['-V'], { timeoutMs: 5_000 }) === undefined ? 'ping (iputils) is not installed' : undefined);
}

/** Options of a site's node config (see RigOverlay.nodeConfig), and what to call the process. */
export type NodeStartOptions = Parameters<RigOverlay['nodeConfig']>[1] & { what?: string };

/** A rig, its overlay and the processes started in it. */
export interface NatScene {
  rig: NatRig;
  ov: RigOverlay;
  /** Every process started, in order. */
  procs: NsProcess[];
  /** Starts `program` in ns with a config file; `what` names it in messages. */
  start(ns: Netns, program: Program, config: string, what: string): NsProcess;
  /** Starts the lighthouse (config tag = program, named "<program> lighthouse" unless `what`) and waits until its interface is active. */
  lighthouse(program: Program, o?: { amRelay?: boolean; what?: string } & OverlayConfigOptions): Promise<NsProcess>;
  /** Starts site i's node (config tag = program, named "<program> n<i>" unless `what`); does not wait. */
  node(i: number, program: Program, o?: NodeStartOptions): NsProcess;
  /** Starts a tio node in this process in ns from a config file, logging at debug level; resolves once it is ready. */
  overlayNode(ns: Netns, config: string, what: string): Promise<OverlayNode>;
}

/** Options of {@link withNatScene}: the rig's, and the overlay's 198.19.<overlayNet>.0/24 (default rigOverlay's). */
export type NatSceneOptions = NatRigOptions & { overlayNet?: number };

/** Lines of each process's output printed when the body fails. */
const FAILURE_LINES = 80;

/** Builds rig and overlay, runs body, and removes every process, namespace and file on every path; TIO_NAT_LOGS=1 prints the logs of a passing run too. */
export async function withNatScene(opts: NatSceneOptions, body: (s: NatScene) => Promise<void>): Promise<void> {
  const rig = natRig(opts);
  let ov: RigOverlay | undefined;
  const procs: NsProcess[] = [];
  const nodes: { what: string; node: OverlayNode; lines: string[] }[] = [];
  const start = (ns: Netns, program: Program, config: string, what: string): NsProcess => {
    const p = program === 'tio' ? startTio(ns, config, what) : startNebulaWith(ns, config, what);
    procs.push(p);
    return p;
  };
  try {
    const o = rigOverlay(rig, opts.overlayNet);
    ov = o;
    const scene: NatScene = {
      rig, ov: o, procs, start,
      lighthouse: async (program, lo = {}) => {
        const p = start(rig.lighthouse, program, o.lighthouseConfig({ tag: program, ...lo }), lo.what ?? `${program} lighthouse`);
        await p.waitForLog('Nebula interface is active', ACTIVE_MS);
        return p;
      },
      node: (i, program, no = {}) => start(rig.sites[i]!.node, program, o.nodeConfig(i, { tag: program, ...no }), no.what ?? `${program} n${i}`),
      overlayNode: async (ns, config, what) => {
        const loaded = await loadConfigFile(config);
        const lines: string[] = [];
        const node = OverlayNode.start(nodeOptionsFromConfig(loaded.config, new Logger('debug', 'text', (l) => lines.push(l)), { netns: ns.name }));
        nodes.push({ what, node, lines });
        await node.ready;
        return node;
      },
    };
    await body(scene);
    // TIO_NAT_LOGS=1 shows the logs of a passing run too (where the time to the first reply went).
    if (process.env.TIO_NAT_LOGS === '1') for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(200)}\n`);
  } catch (e) {
    for (const p of procs) process.stderr.write(`--- ${p.what}\n${p.output(FAILURE_LINES)}\n`);
    for (const n of nodes) process.stderr.write(`--- ${n.what}\n${n.lines.slice(-FAILURE_LINES).join('\n')}\n`);
    throw e;
  } finally {
    try {
      for (const n of nodes) await n.node.stop();
      for (const p of procs) await p.kill();
    } finally {
      try {
        rig.dispose();
      } finally {
        ov?.dispose();
      }
    }
  }
}

/** A transfer between two sites and what the public interfaces counted during it. */
export interface SiteTransfer {
  result: TransferResult;
  /** The lighthouse's interface. */
  lighthouse: IfCounters;
  /** The sending site's public interface (its router's, or its own with 'none'). */
  fromPublic: IfCounters;
}

/** Moves `bytes` from site `from` to site `to`'s overlay address with a SHA-256-checked TCP stream (the receiver listening on `port`); returns it with the counters' deltas. */
export async function siteTransfer(s: NatScene, from: number, to: number, port: number, bytes: number, timeoutMs: number): Promise<SiteTransfer> {
  const [sf, st] = [s.rig.sites[from]!, s.rig.sites[to]!];
  const lhBefore = s.rig.lighthouseTraffic();
  const fromBefore = s.rig.publicTraffic(sf);
  const result = await tcpTransfer(st.node, sf.node, s.ov.nodes[to]!.ip, port, bytes, timeoutMs);
  return { result, lighthouse: ifDelta(s.rig.lighthouseTraffic(), lhBefore), fromPublic: ifDelta(s.rig.publicTraffic(sf), fromBefore) };
}

/**
 * siteTransfer through a relay on the lighthouse, checked: every byte arrived with the sent SHA-256
 * and at least `bytes` crossed the lighthouse's interface each way; throws otherwise. Returns a line
 * for the test's log.
 */
export async function relayedTransfer(s: NatScene, from: number, to: number, port: number, bytes: number, timeoutMs: number): Promise<string> {
  const { result: r, lighthouse: d } = await siteTransfer(s, from, to, port, bytes, timeoutMs);
  const toIp = s.ov.nodes[to]!.ip;
  if (r.received.bytes !== bytes || r.received.sha256 !== r.sent.sha256) {
    throw new Error(`the stream to ${toIp} arrived damaged: ${r.received.bytes} of ${bytes} bytes, sha256 ${r.received.sha256} (sent ${r.sent.sha256})`);
  }
  const line = `${bytes} bytes to ${toIp} in ${r.seconds.toFixed(2)} s; lighthouse rx ${d.rxBytes} tx ${d.txBytes}`;
  if (Math.min(d.rxBytes, d.txBytes) < bytes) throw new Error(`the transfer did not cross the relay: ${line}`);
  return line;
}
