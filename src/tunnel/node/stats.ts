/** Node-level counters: what crossed, what was dropped and why. */

/** Why the node dropped a packet. */
export type NodeDropReason =
  | 'inside-not-ipv4'
  | 'inside-no-route'
  | 'inside-no-remote'
  | 'inside-firewall'
  | 'inside-remote-ip'
  | 'inside-segment'
  | 'inside-multicast'
  | 'inside-local-broadcast'
  | 'outside-short'
  | 'outside-unknown-index'
  | 'outside-replay'
  | 'outside-wrong-remote'
  | 'outside-auth'
  | 'outside-firewall'
  | 'outside-remote-ip'
  | 'outside-tun-write'
  | 'outside-unhandled-type'
  | 'outside-relay-not-ready';

/** Every drop reason, for building tables. */
export const NODE_DROP_REASONS: readonly NodeDropReason[] = [
  'inside-not-ipv4', 'inside-no-route', 'inside-no-remote', 'inside-firewall', 'inside-remote-ip', 'inside-segment', 'inside-multicast', 'inside-local-broadcast',
  'outside-short', 'outside-unknown-index', 'outside-replay', 'outside-wrong-remote', 'outside-auth', 'outside-firewall',
  'outside-remote-ip', 'outside-tun-write', 'outside-unhandled-type', 'outside-relay-not-ready',
];

/** The plain counters of NodeStats, in the order toArray writes them (drops follow, NODE_DROP_REASONS order). */
const COUNTERS = [
  'insidePackets', 'datagramsOut', 'datagramsIn', 'delivered', 'recvErrorsSent', 'recvErrorsReceived', 'testReplies',
  'rejectsToPeers', 'rejectsToTun', 'rejectsLimited', 'rejectsSkipped', 'relayedOut',
  'bytesIn', 'bytesOut', 'aeadSealCalls', 'aeadSealed', 'aeadOpenCalls', 'aeadOpened',
  'firewallFlowsKept', 'firewallFlowsRevoked',
] as const;

/** Length of the array NodeStats.writeTo fills. */
export const NODE_STATS_SLOTS = COUNTERS.length + NODE_DROP_REASONS.length;

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
  /** Rejects sent through the tunnel for refused inbound packets (firewall.inbound_action: reject). */
  rejectsToPeers = 0;
  /** Rejects written to the TUN for refused outbound packets (firewall.outbound_action: reject). */
  rejectsToTun = 0;
  /** Rejects not sent because the path's budget (1000/s, burst 50) was spent. */
  rejectsLimited = 0;
  /** Rejects for the TUN skipped: the previous one still waited for room, or the write failed. */
  rejectsSkipped = 0;
  /** Relayed packets we passed on between two other hosts (docs/PROTOCOL.md "Relays"). */
  relayedOut = 0;
  /** Bytes of inner packets in data messages that authenticated (counted once per decrypt run). */
  bytesIn = 0;
  /** Bytes of inner packets in data messages sealed to send (counted once per seal run). */
  bytesOut = 0;
  /** Native seal calls of the outbound path (one per tunnel run of a flush) and the data messages they sealed. */
  aeadSealCalls = 0;
  aeadSealed = 0;
  /** Native open calls of the inbound path (one per tunnel run of a receive batch, control messages one each) and the messages they opened. */
  aeadOpenCalls = 0;
  aeadOpened = 0;
  /** Tracked flows re-checked after a firewall reload and kept / forgotten (copied from the plane's Firewall at each publish). */
  firewallFlowsKept = 0;
  firewallFlowsRevoked = 0;
  /** Drops by reason. */
  drops: Record<NodeDropReason, number>;

  constructor() {
    this.drops = {} as Record<NodeDropReason, number>;
    for (const r of NODE_DROP_REASONS) this.drops[r] = 0;
  }

  /** Writes every counter into `a` (NODE_STATS_SLOTS numbers from `at`), e.g. a shared array another thread reads. */
  writeTo(a: Float64Array, at = 0): void {
    let i = at;
    for (const k of COUNTERS) a[i++] = this[k];
    for (const r of NODE_DROP_REASONS) a[i++] = this.drops[r];
  }

  /** Adds the counters written by writeTo at a[at..] to these. */
  addFrom(a: Float64Array, at = 0): void {
    let i = at;
    for (const k of COUNTERS) this[k] += a[i++]!;
    for (const r of NODE_DROP_REASONS) this.drops[r] += a[i++]!;
  }

  /** A detached copy. */
  snapshot(): NodeStats {
    const s = Object.assign(new NodeStats(), this);
    s.drops = { ...this.drops };
    return s;
  }
}
