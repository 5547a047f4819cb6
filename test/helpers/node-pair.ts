// Two tio nodes in their own namespaces joined by one veth: the set-up of the
// tests that need a working tunnel, with the node logs attached to a failure
// and everything torn down on every path.
import { OverlayNode } from '../../src/tunnel/node/node.js';
import type { Netns } from '../../kit/netns.js';
import { netnsPair, type NetnsPair } from '../../kit/topology.js';
import { makePki, type TestPki } from '../../kit/nebula-pki.js';
import { nodeOptions, type NodeOptionsExtra } from './overlay.js';

/** Overlay addresses of the two nodes (198.19.0.0/16). */
export const OVERLAY_A = '198.19.0.1';
export const OVERLAY_B = '198.19.0.2';

/** Two started OverlayNodes in their own namespaces, joined by one veth. */
export interface NodePair {
  pki: TestPki;
  a: Netns;
  b: Netns;
  na: OverlayNode;
  nb: OverlayNode;
  /** Both nodes' log lines, in order. */
  lines: string[];
  /** Underlay addresses, 198.18.<net>.1 and .2. */
  aAddr: string;
  bAddr: string;
}

/**
 * Runs fn with nodes a (OVERLAY_A) and b (OVERLAY_B) in namespaces
 * `${tag}a` / `${tag}b` on 198.18.<net>.0/24, both built by nodeOptions with
 * o.node (cipher, offload, gro, mtu, logLevel; b takes o.nodeB over it). A failure is rethrown with the
 * nodes' log appended (its last logTail lines; all by default); nodes,
 * namespaces and PKI are torn down on every path.
 */
export async function withNodePair(
  o: { tag: string; net: number; logTail?: number; node?: Omit<NodeOptionsExtra, 'lines'>; nodeB?: Omit<NodeOptionsExtra, 'lines'> },
  fn: (p: NodePair) => Promise<void>,
): Promise<void> {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const lines: string[] = [];
  let pair: NetnsPair | undefined;
  let na: OverlayNode | undefined;
  let nb: OverlayNode | undefined;
  try {
    pair = netnsPair(o.tag, o.net);
    const { a, b, aAddr, bAddr } = pair;
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    na = OverlayNode.start(nodeOptions(pki, ha, a.name, aAddr, [[hb, bAddr]], { ...o.node, lines }));
    nb = OverlayNode.start(nodeOptions(pki, hb, b.name, bAddr, [[ha, aAddr]], { ...o.node, ...o.nodeB, lines }));
    await fn({ pki, a, b, na, nb, lines, aAddr, bAddr });
  } catch (e) {
    const shown = o.logTail === undefined ? lines : lines.slice(-o.logTail);
    throw new Error(`${(e as Error).message}\n--- node logs ---\n${shown.join('\n')}`, { cause: e });
  } finally {
    await na?.stop();
    await nb?.stop();
    pair?.destroy();
    pki.dispose();
  }
}
