/**
 * Test seam: an OverlayNode's internals (device, socket, tunnel map, handshakes, lighthouse client) for
 * this repository's tests and benches. No entry point exports it and it is not
 * semver surface: users read a node through OverlayNode.status().
 */
import { internalsOf, type NodeInternals } from './internals.js';
import type { OverlayNode } from './node.js';

export type { NodeInternals } from './internals.js';

/** The internals of `node`. */
export function nodeInternals(node: OverlayNode): NodeInternals {
  const parts = internalsOf(node);
  if (parts === undefined) throw new Error('not an OverlayNode');
  return parts;
}
