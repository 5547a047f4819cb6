/** SendBatch: messages to many peers, described once and sent with sendmmsg by UdpSocket.sendBatch. */
import { OptionError } from '../errors.js';
import { SEND_META, SOCKADDR_SLOT_BYTES } from './constants.js';
import type { Endpoint } from './endpoint.js';
import type { UdpSendError } from './errors.js';
import { maxGsoBytes } from './limits.js';

/** Default message capacity of a SendBatch (it grows when more are added). */
export const DEFAULT_SEND_BATCH = 256;

/**
 * Messages that each name a peer and a range of one shared buffer (passed to
 * sendBatch), either one datagram or a run of equal-size datagrams sent with
 * UDP_SEGMENT. Reuse it: clear() and add again; nothing is allocated per
 * message once capacity suffices. Consecutive messages to the same Endpoint
 * share one address slot. Do not change it while a sendBatch of it is pending.
 */
export class SendBatch {
  /** Messages added since the last clear(). */
  count = 0;
  /** Messages the last sendBatch handed to the kernel. */
  sent = 0;
  /** Messages the last sendBatch had refused (skipped; see lastError and the socket's txErrors). */
  failed = 0;
  /** The last refusal of the last sendBatch, or null. */
  lastError: UdpSendError | null = null;

  /** @internal Per message: off, len, segSize (0 = plain), addrSlot (native/udp.c SEND_META layout). */
  meta: Int32Array;
  /** @internal Address slots, SOCKADDR_SLOT_BYTES each. */
  addrs: Uint8Array;

  private slots = 0;
  private lastPeer: Endpoint | null = null;

  constructor(capacity = DEFAULT_SEND_BATCH) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new OptionError('capacity', `${capacity} must be a positive integer`);
    this.meta = new Int32Array(capacity * SEND_META);
    this.addrs = new Uint8Array(capacity * SOCKADDR_SLOT_BYTES);
  }

  /** @internal Address slots in use. */
  get slotCount(): number {
    return this.slots;
  }

  /** Forgets every message (and the results of the last send). */
  clear(): void {
    this.count = 0;
    this.slots = 0;
    this.lastPeer = null;
    this.sent = 0;
    this.failed = 0;
    this.lastError = null;
  }

  /** Adds one datagram: buf[off, off + len) to peer. */
  add(peer: Endpoint, off: number, len: number): void {
    this.push(this.slotFor(peer), off, len, 0);
  }

  /**
   * Adds buf[off, off + len) to peer as datagrams of segSize bytes (the last
   * may be shorter), one UDP_SEGMENT message per run the kernel accepts at once.
   */
  addSegments(peer: Endpoint, off: number, len: number, segSize: number): void {
    if (!Number.isInteger(segSize) || segSize < 1 || segSize > 0xffff) throw new OptionError('segSize', `${segSize} must be 1..65535`);
    const slot = this.slotFor(peer);
    if (len <= segSize) {
      this.push(slot, off, len, 0);
      return;
    }
    const chunk = maxGsoBytes(peer.family, segSize);
    for (let at = 0; at < len; at += chunk) {
      const n = Math.min(chunk, len - at);
      this.push(slot, off + at, n, n > segSize ? segSize : 0);
    }
  }

  private slotFor(peer: Endpoint): number {
    if (this.lastPeer !== null && (peer === this.lastPeer || peer.key === this.lastPeer.key)) return this.slots - 1;
    if (this.slots * SOCKADDR_SLOT_BYTES >= this.addrs.length) this.grow();
    this.addrs.set(peer.sockaddr, this.slots * SOCKADDR_SLOT_BYTES);
    this.lastPeer = peer;
    return this.slots++;
  }

  private push(slot: number, off: number, len: number, seg: number): void {
    if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0) {
      throw new OptionError('off/len', `${off}/${len} must be non-negative integers`);
    }
    if ((this.count + 1) * SEND_META > this.meta.length) this.grow();
    const b = this.count * SEND_META;
    this.meta[b] = off;
    this.meta[b + 1] = len;
    this.meta[b + 2] = seg;
    this.meta[b + 3] = slot;
    this.count++;
  }

  // Doubles both tables (slots never outnumber messages); allocation only while a batch outgrows its capacity.
  private grow(): void {
    const cap = 2 * (this.meta.length / SEND_META);
    const meta = new Int32Array(cap * SEND_META);
    meta.set(this.meta);
    const addrs = new Uint8Array(cap * SOCKADDR_SLOT_BYTES);
    addrs.set(this.addrs);
    this.meta = meta;
    this.addrs = addrs;
  }
}
