/** Node-level counters: what crossed, what was dropped and why. */

/** Why the node dropped a packet. */
export type NodeDropReason =
  | 'inside-not-ipv4'
  | 'inside-no-route'
  | 'inside-no-remote'
  | 'inside-firewall'
  | 'inside-segment'
  | 'outside-short'
  | 'outside-unknown-index'
  | 'outside-replay'
  | 'outside-auth'
  | 'outside-firewall'
  | 'outside-unhandled-type';

/** Every drop reason, for building tables. */
export const NODE_DROP_REASONS: readonly NodeDropReason[] = [
  'inside-not-ipv4', 'inside-no-route', 'inside-no-remote', 'inside-firewall', 'inside-segment',
  'outside-short', 'outside-unknown-index', 'outside-replay', 'outside-auth', 'outside-firewall', 'outside-unhandled-type',
];

/** Counters of one node (or one worker's data path). */
export class NodeStats {
  /** Inner packets read from the TUN (superpackets count once). */
  insidePackets = 0;
  /** Datagrams encrypted and sent. */
  datagramsOut = 0;
  /** Datagrams received (after GRO split). */
  datagramsIn = 0;
  /** Inner packets decrypted and delivered to the coalescer. */
  delivered = 0;
  /** recv_error messages sent / received. */
  recvErrorsSent = 0;
  recvErrorsReceived = 0;
  /** Test requests answered. */
  testReplies = 0;
  /** Drops by reason. */
  drops: Record<NodeDropReason, number>;

  constructor() {
    this.drops = {} as Record<NodeDropReason, number>;
    for (const r of NODE_DROP_REASONS) this.drops[r] = 0;
  }

  /** A detached copy. */
  snapshot(): NodeStats {
    const s = Object.assign(new NodeStats(), this);
    s.drops = { ...this.drops };
    return s;
  }
}
