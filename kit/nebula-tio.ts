// The two-node interop frame: the real nebula 1.6.1 (the protocol oracle) in
// one namespace and a tio OverlayNode in the other, joined by one veth
// (kit/topology.ts), with one throwaway PKI (kit/nebula-pki.ts). withNebulaTio
// builds it, waits until both sides run, hands it to the test and tears it all
// down on every path; a failure carries both sides' logs.
//
//   await withNebulaTio({ tag: 'neb', net: 21, tio: (s) => frameNodeOptions(s) }, async (f) => {
//     await f.ping('tio');
//   });
import { OverlayNode } from '../src/tunnel/node/node.js';
import type { NodeOptions } from '../src/tunnel/node/options.js';
import type { TunnelStatus } from '../src/tunnel/node/status.js';
import { rootSkipReason, type Netns } from './netns.js';
import { makePki, nebulaSkipReason, type HostFiles, type TestPki } from './nebula-pki.js';
import { startNebula, type NebulaConfigOptions, type NebulaProcess } from './nebula.js';
import { tryRun } from './run.js';
import { netnsPair } from './topology.js';

/** nebula's overlay address (its certificate, 198.19.0.0/16). */
export const NEB_IP = '198.19.0.1';
/** tio's overlay address (its certificate, 198.19.0.0/16). */
export const TIO_IP = '198.19.0.2';

/** Which side of the frame. */
export type Side = 'nebula' | 'tio';

/** Why a frame test must skip here: not root, no nebula or nebula-cert, or no ping. */
export function interopSkipReason(): string | undefined {
  return rootSkipReason() ?? nebulaSkipReason()
    ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
}

/** What the frame has built when it asks the test for the tio node's options. */
export interface FrameSetup {
  pki: TestPki;
  /** The certificates: nebula's ('neb', NEB_IP) and tio's ('tio', TIO_IP). */
  nebHost: HostFiles;
  tioHost: HostFiles;
  /** nebula's namespace and underlay address (198.18.<net>.1), tio's (198.18.<net>.2). */
  a: Netns;
  aAddr: string;
  b: Netns;
  bAddr: string;
  /** Collects the tio node's log (pass it as nodeOptions' lines); printed on failure. */
  lines: string[];
}

/** The running frame. */
export interface NebulaTioFrame extends FrameSetup {
  nebula: NebulaProcess;
  node: OverlayNode;
  /** Pings the other side's overlay address from `from`'s namespace (`count` pings 0.2 s apart, each waiting up to 5 s); rejects when one is lost. */
  ping(from: Side, count?: number): Promise<void>;
  /** tio's tunnel to nebula, if it has one. */
  tunnel(): TunnelStatus | undefined;
}

/** Options of {@link withNebulaTio}. */
export interface NebulaTioOptions {
  /** Namespace tag (netnsPair: `${tag}a` runs nebula, `${tag}b` tio). */
  tag: string;
  /** Third octet of the underlay 198.18.<net>.0/24, unique to the test. */
  net: number;
  /** nebula's config (e.g. its cipher); it knows tio at bAddr. */
  nebula?: NebulaConfigOptions;
  /** nebula's listen host (default aAddr; '0.0.0.0' makes it report its interface addresses). */
  nebulaListen?: string;
  /** The tio node's options, built from the set-up (e.g. with test/helpers/overlay.ts nodeOptions). */
  tio(s: FrameSetup): NodeOptions;
}

/** Builds the frame, starts nebula and waits until its interface is active, then starts the tio node and waits until it is ready, runs body, and removes everything on every path. */
export async function withNebulaTio(opts: NebulaTioOptions, body: (f: NebulaTioFrame) => Promise<void>): Promise<void> {
  const pki = makePki([['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
  let pair: ReturnType<typeof netnsPair> | undefined;
  let nebula: NebulaProcess | undefined;
  let node: OverlayNode | undefined;
  const lines: string[] = [];
  try {
    pair = netnsPair(opts.tag, opts.net);
    const s: FrameSetup = { pki, nebHost: pki.hosts.get('neb')!, tioHost: pki.hosts.get('tio')!, a: pair.a, aAddr: pair.aAddr, b: pair.b, bAddr: pair.bAddr, lines };
    const neb = startNebula(s.a, pki, s.nebHost, opts.nebulaListen ?? s.aAddr, [[s.tioHost, s.bAddr]], opts.nebula);
    nebula = neb;
    const ping = async (from: Side, count = 3): Promise<void> => {
      const [ns, to] = from === 'nebula' ? [s.a, TIO_IP] : [s.b, NEB_IP];
      await ns.execAsync('ping', ['-c', String(count), '-i', '0.2', '-W', '5', to], { timeoutMs: 20_000 });
    };
    const tunnel = (): TunnelStatus | undefined => node?.status().tunnels.find((x) => x.overlayAddress === NEB_IP);
    try {
      await neb.waitForLog('Nebula interface is active', 15_000);
      const tio = OverlayNode.start(opts.tio(s));
      node = tio;
      await tio.ready;
      await body({ ...s, nebula: neb, node: tio, ping, tunnel });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- nebula ---\n${neb.log.join('\n')}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
    }
  } finally {
    try {
      await node?.stop();
    } finally {
      try {
        await nebula?.stop();
      } finally {
        try {
          pair?.destroy();
        } finally {
          pki.dispose();
        }
      }
    }
  }
}
