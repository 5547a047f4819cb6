/** An established tunnel to one peer: indexes, keys, counters, replay window, liveness. */
import { BatchAead, type CipherName } from '../aead/index.js';
import type { VerifiedCertificate } from '../cert/index.js';
import type { PeerIdentity } from '../firewall/index.js';
import type { Endpoint } from '../udp/index.js';
import { COUNTER_FIRST_DATA, ReplayWindow } from '../wire/index.js';

/** Keys and identity a completed handshake yields. */
export interface TunnelParams {
  vpnIp: number;
  localIndex: number;
  remoteIndex: number;
  remote: Endpoint;
  cipher: CipherName;
  /** Key we encrypt with (k1 as initiator, k2 as responder). */
  sendKey: Uint8Array;
  /** Key we decrypt with. */
  recvKey: Uint8Array;
  cert: VerifiedCertificate;
  identity: PeerIdentity;
  /** The peer's handshake Time (ns), for "Handshake too old" (NEBULA-PROTOCOL.md §3.6). */
  handshakeTime: bigint;
  initiator: boolean;
}

/** One established tunnel. Not shared across threads. */
export class Tunnel {
  readonly vpnIp: number;
  readonly localIndex: number;
  readonly remoteIndex: number;
  remote: Endpoint;
  readonly cert: VerifiedCertificate;
  readonly identity: PeerIdentity;
  readonly handshakeTime: bigint;
  readonly initiator: boolean;
  readonly seal: BatchAead;
  readonly open: BatchAead;
  readonly window = new ReplayWindow();
  /** recv_error messages received for this tunnel (torn down at the 4th, §5.3). */
  recvErrors = 0;
  /** Monotonic ms of the last authenticated inbound packet / last outbound packet. */
  lastInbound: number;
  lastOutbound = 0;
  /** Liveness: a test request was sent and not yet answered by any inbound packet. */
  testPendingSince = 0;
  /** Responder: the msg1 body we answered and the msg2 we sent, replayed for duplicates (§3.6). */
  msg1Body: Buffer | null = null;
  msg2: Buffer | null = null;
  private counter = COUNTER_FIRST_DATA - 1;
  private closed = false;

  constructor(p: TunnelParams, nowMs: number) {
    this.vpnIp = p.vpnIp;
    this.localIndex = p.localIndex;
    this.remoteIndex = p.remoteIndex;
    this.remote = p.remote;
    this.cert = p.cert;
    this.identity = p.identity;
    this.handshakeTime = p.handshakeTime;
    this.initiator = p.initiator;
    this.seal = new BatchAead(p.cipher, p.sendKey, 'seal');
    this.open = new BatchAead(p.cipher, p.recvKey, 'open');
    this.lastInbound = nowMs;
  }

  /** The next send counter (the first is 3, §2); one counter for every encrypted type. */
  nextCounter(): number {
    return ++this.counter;
  }

  /** Reserves `n` consecutive counters and returns the first. */
  reserveCounters(n: number): number {
    const first = this.counter + 1;
    this.counter += n;
    return first;
  }

  /** True once close() ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Releases the keys; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.seal.close();
    this.open.close();
  }
}
