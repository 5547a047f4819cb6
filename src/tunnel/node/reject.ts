/**
 * Reject packets for what a data path's firewall refused (firewall.inbound_action /
 * outbound_action: reject; docs/firewall-reject.md): a refused packet from a peer is answered
 * through the tunnel to that peer, a refused packet from the TUN is answered on the TUN. Only
 * packets that authenticated (inbound) or came from this host (outbound) get here, and a token
 * bucket per path bounds the answers, so a reject can never be drawn by a stranger or amplified.
 */
import { ClosedError } from '../../errors.js';
import { REJECT_MAX_LEN, buildRejectPacket } from '../../packet/index.js';
import type { Endpoint } from '../../udp/index.js';
import { AEAD_TAG_LEN, HEADER_LEN } from '../wire/index.js';
import { RejectBudget } from './reject-budget.js';
import type { NodeStats } from './stats.js';
import type { DataTunnel } from './tunnel.js';

/** Where rejects for the TUN's own packets go (Queue.writeReject). */
export interface RejectWriter {
  /** Writes a reject from the writer's own scratch; false when it was skipped. */
  writeReject(reject: Uint8Array, off: number, len: number): Promise<boolean>;
}

/** Builds, budgets and sends the rejects of one data path (one direction of one thread). */
export class Rejects {
  private readonly scratch = Buffer.alloc(REJECT_MAX_LEN);
  private readonly budget = new RejectBudget();
  private readonly plainOff = new Int32Array([HEADER_LEN]);
  private readonly plainLen = new Int32Array(1);
  // Bound once: no closure per reject.
  private readonly written = (ok: boolean): void => {
    if (ok) this.stats.rejectsToTun++;
    else this.stats.rejectsSkipped++;
  };
  private readonly failed = (e: unknown): void => {
    // A closed queue ends the read loop, which handles it; anything else loses this reject only.
    if (!(e instanceof ClosedError)) this.stats.rejectsSkipped++;
  };

  constructor(private readonly stats: NodeStats) {}

  /** Answers the refused TUN packet buf[off, +len) on `tun` if a reject is due and the budget allows. */
  toTun(tun: RejectWriter, buf: Uint8Array, off: number, len: number, nowMs: number): void {
    const n = this.build(buf, off, len, nowMs);
    if (n > 0) tun.writeReject(this.scratch, 0, n).then(this.written, this.failed);
  }

  /**
   * Answers the refused packet buf[off, +len) that authenticated on `t`: the reject is sealed as a
   * data message on t's counter and handed to `send` for t's remote address.
   */
  toPeer(t: DataTunnel, buf: Uint8Array, off: number, len: number, nowMs: number, send: (to: Endpoint, bytes: Buffer) => void): void {
    if (t.isClosed) return;
    const n = this.build(buf, off, len, nowMs);
    if (n === 0) return;
    // Its own buffer: the send completes after this batch's buffers are reused (bounded by the budget).
    const out = Buffer.allocUnsafe(HEADER_LEN + n + AEAD_TAG_LEN);
    this.scratch.copy(out, HEADER_LEN, 0, n);
    this.plainLen[0] = n;
    t.seal.sealMessages(out, this.plainOff, this.plainLen, 0, 1, t.remoteIndex, t.nextCounter());
    t.lastOutbound = nowMs;
    this.stats.rejectsToPeers++;
    send(t.remote, out);
  }

  private build(buf: Uint8Array, off: number, len: number, nowMs: number): number {
    const n = buildRejectPacket(buf, off, len, this.scratch, 0);
    if (n === 0) return 0;
    if (this.budget.take(nowMs)) return n;
    this.stats.rejectsLimited++;
    return 0;
  }
}
