/**
 * The registry behind testing.ts: OverlayNode records its internals here when it
 * is made, and only the test seam reads them. Kept apart from testing.ts so the
 * node does not import the file that names it.
 */
import type { TunDevice } from '../../tun/index.js';
import type { UdpSocket } from '../../udp/index.js';
import type { LighthouseClient, LighthouseServer, Punchy } from '../lighthouse/index.js';
import type { HandshakeManager } from './handshakes.js';
import type { HeapTrimmer } from './heap-trim.js';
import type { Hostmap } from './hostmap.js';
import type { Tunnel } from './tunnel.js';

/** What a test may reach inside a node. */
export interface NodeInternals {
  /** The TUN device (queues 1..N-1 are detached to the routines). */
  readonly device: TunDevice;
  /** The underlay socket of queue 0 (main thread). */
  readonly udp: UdpSocket;
  /** Established tunnels (the authoritative map). */
  readonly hostmap: Hostmap<Tunnel>;
  /** Handshake state. */
  readonly handshakes: HandshakeManager;
  /** The lighthouse client (null without lighthouse hosts). */
  readonly lighthouse: LighthouseClient | null;
  /** The lighthouse server (null unless am_lighthouse). */
  readonly lighthouseServer: LighthouseServer | null;
  /** Hole punching. */
  readonly punchy: Punchy;
  /** When the node returns freed malloc memory to the kernel. */
  readonly heapTrimmer: HeapTrimmer;
}

// Keyed weakly: a stopped node and its internals are collected together.
const byNode = new WeakMap<object, NodeInternals>();

/** Called once by OverlayNode's constructor. */
export function exposeInternals(node: object, parts: NodeInternals): void {
  byNode.set(node, parts);
}

/** The internals recorded for `node`, or undefined. */
export function internalsOf(node: object): NodeInternals | undefined {
  return byNode.get(node);
}
