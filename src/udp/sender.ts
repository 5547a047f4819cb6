/**
 * The send side of a UdpSocket: GSO runs with UDP_SEGMENT, sendmmsg across
 * peers, the fallback to one datagram at a time when the kernel refuses GSO,
 * and EAGAIN waits that keep send order.
 */
import { native, type NativeUdp } from '../native.js';
import { OptionError, type TioError } from '../errors.js';
import * as Errno from '../errno.js';
import { SEND_BATCH_MAX, SEND_META, SOCKADDR_SLOT_BYTES } from './constants.js';
import type { UdpCounters } from './counters.js';
import { Endpoint } from './endpoint.js';
import { UdpSendError } from './errors.js';
import { maxGsoBytes } from './limits.js';
import { mapV4Slots } from './sockaddr.js';
import type { SendBatch } from './send-batch.js';
import { SendJob } from './send-job.js';

/** What the sender needs from its socket. */
export interface SendHost {
  /** The socket fd (-1 once closed). */
  fd(): number;
  /** The error for operations on a closed socket, or null while open. */
  closedError(): TioError | null;
  /** Resolves when the fd is writable; rejects once the socket closes. */
  writable(): Promise<void>;
  /** Closes the socket after the kernel reported it gone (EBADF) and returns the error to throw. */
  lost(errno: number): TioError;
}

/** The two send syscalls, injectable so tests can play a kernel that refuses GSO or says EAGAIN. */
export type SendSyscalls = Pick<NativeUdp, 'udpSendSegments' | 'udpSendBatch'>;

const RESOLVED: Promise<void> = Promise.resolve();
const DONE = 0;
const WAIT = 1;
type PumpResult = typeof DONE | typeof WAIT;
const noop = (): void => undefined;

/** One socket's sender; see UdpSocket for the public contract. */
export class Sender {
  /** Whether GSO sends are used; turned off for good when the kernel refuses them with EIO. */
  gso: boolean;

  private idle = new SendJob();
  private chain: Promise<void> | null = null;
  private readonly split = new Int32Array(SEND_BATCH_MAX * SEND_META);

  constructor(
    private readonly host: SendHost, private readonly family: 4 | 6, private readonly dualStack: boolean, gso: boolean,
    private readonly c: UdpCounters,
    private readonly sys: SendSyscalls = native,
  ) {
    this.gso = gso;
  }

  /** True while a send waits for writability (later sends queue behind it). */
  get pending(): boolean {
    return this.chain !== null;
  }

  /** buf[off, off+len) to peer as datagrams of segSize bytes (0: one datagram). */
  sendSegments(peer: Endpoint, buf: Uint8Array, off: number, len: number, segSize: number): Promise<void> {
    const closed = this.host.closedError();
    if (closed) return Promise.reject(closed);
    if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 || off + len > buf.length) {
      return Promise.reject(new OptionError('off/len', `[${off}, ${off}+${len}) is not inside the ${buf.length}-byte buffer`));
    }
    if (!Number.isInteger(segSize) || segSize < 0 || segSize > 0xffff) {
      return Promise.reject(new OptionError('segSize', `${segSize} must be 0..65535 (0: one datagram)`));
    }
    const to = peer.sockaddrFor(this.family, this.dualStack);
    if (to === null) {
      // The kernel would refuse it too (v6-only socket, or v4 socket with a v6 address); say why without a syscall.
      this.c.txErrors++;
      return Promise.reject(new UdpSendError(Errno.EAFNOSUPPORT, peer.key));
    }
    const job = this.idle;
    job.resetSingle(buf, to, off, len, segSize, segSize > 0 ? maxGsoBytes(this.family, segSize) : len);
    if (this.chain === null) {
      let r: PumpResult;
      try {
        r = this.pump(job);
      } catch (e) {
        return Promise.reject(e);
      }
      if (r === DONE) return job.failed > 0 ? Promise.reject(job.lastError!) : RESOLVED;
    }
    this.idle = new SendJob();
    return this.later(job).then(() => {
      if (job.failed > 0) throw job.lastError!;
    });
  }

  /** Every message of batch, from buf; resolves with the number the kernel took (batch.sent). */
  sendBatch(buf: Uint8Array, batch: SendBatch): Promise<number> {
    const closed = this.host.closedError();
    if (closed) return Promise.reject(closed);
    const bad = outOfRange(batch, buf.length);
    if (bad >= 0) return Promise.reject(new OptionError('sendBatch', `message ${bad} reaches past the ${buf.length}-byte buffer`));
    // A dual-stack socket reaches IPv4 peers at their mapped addresses (batches hold plain ones).
    if (this.dualStack) mapV4Slots(batch.addrs, batch.slotCount);
    const job = this.idle;
    job.reset(buf, batch.meta, batch.addrs, batch.count, false);
    const finish = (): number => {
      batch.sent = job.sent;
      batch.failed = job.failed;
      batch.lastError = job.lastError;
      return job.sent;
    };
    if (this.chain === null) {
      let r: PumpResult;
      try {
        r = this.pump(job);
      } catch (e) {
        return Promise.reject(e);
      }
      if (r === DONE) return Promise.resolve(finish());
    }
    this.idle = new SendJob();
    return this.later(job).then(finish);
  }

  /** Runs job after every earlier waiting send, waiting for writability as often as needed. */
  private later(job: SendJob): Promise<void> {
    const prev = this.chain ?? RESOLVED;
    const mine = prev.then(() => this.pumpUntilDone(job));
    const tail = mine.then(noop, noop);
    this.chain = tail;
    void tail.then(() => {
      if (this.chain === tail) this.chain = null;
    });
    return mine;
  }

  private async pumpUntilDone(job: SendJob): Promise<void> {
    for (;;) {
      const closed = this.host.closedError();
      if (closed) throw closed;
      if (this.pump(job) === DONE) return;
      this.c.txWaits++;
      await this.host.writable();
    }
  }

  /** Sends rows from job.row on; WAIT on EAGAIN (the cursor says where to resume). */
  private pump(job: SendJob): PumpResult {
    const meta = job.meta;
    while (job.row < job.rows) {
      const b = job.row * SEND_META;
      const len = meta[b + 1]!;
      const seg = meta[b + 2]!;
      const multi = seg > 0 && len > seg;
      if (multi && (!this.gso || job.splitRow === job.row)) {
        if (this.pumpSplit(job) === WAIT) return WAIT;
        continue;
      }
      let end = job.row + 1;
      if (this.gso) end = job.rows;
      else while (end < job.rows && !isMulti(meta, end)) end++;
      let r: number;
      if (job.single && end - job.row === 1) {
        r = this.sys.udpSendSegments(this.host.fd(), job.addrs, job.buf, meta[b]!, len, multi ? seg : 0);
        if (r >= 0) r = 1;
      } else {
        r = this.sys.udpSendBatch(this.host.fd(), job.buf, meta, job.addrs, job.row, end - job.row);
      }
      this.c.txSyscalls++;
      if (r > 0) {
        this.countRows(meta, job.row, r);
        job.row += r;
        job.sent += r;
        continue;
      }
      const errno = r === 0 ? Errno.EAGAIN : -r;
      if (errno === Errno.EAGAIN) return WAIT;
      if (errno === Errno.EBADF) throw this.host.lost(errno);
      if (multi && (errno === Errno.EIO || errno === Errno.EINVAL || errno === Errno.EMSGSIZE)) {
        // GSO refused for this run: redo it datagram by datagram (pumpSplit decides what to remember).
        job.splitRow = job.row;
        job.splitErrno = errno;
        job.sub = 0;
        continue;
      }
      this.fail(job, errno);
    }
    return DONE;
  }

  /**
   * Sends the current row one datagram at a time (sendmmsg of up to
   * SEND_BATCH_MAX). When it was split because the kernel refused GSO with EIO
   * (no checksum offload or IPsec on the route) and the datagrams go out, GSO
   * is off for good. EMSGSIZE (segments larger than the route MTU; older
   * kernels say EINVAL) is about this run's geometry, so only this run is
   * split: its datagrams then go out as plain sends would, IP-fragmented.
   */
  private pumpSplit(job: SendJob): PumpResult {
    const b = job.row * SEND_META;
    const off = job.meta[b]!;
    const len = job.meta[b + 1]!;
    const seg = job.meta[b + 2]!;
    const slot = job.meta[b + 3]!;
    const s = this.split;
    while (job.sub < len) {
      let k = 0;
      for (let p = job.sub; p < len && k < SEND_BATCH_MAX; p += seg, k++) {
        const m = k * SEND_META;
        s[m] = off + p;
        s[m + 1] = Math.min(seg, len - p);
        s[m + 2] = 0;
        s[m + 3] = slot;
      }
      const r = this.sys.udpSendBatch(this.host.fd(), job.buf, s, job.addrs, 0, k);
      this.c.txSyscalls++;
      if (r > 0) {
        this.c.txDatagrams += r;
        this.c.txBytes += Math.min(r * seg, len - job.sub);
        job.sub += r * seg;
        continue;
      }
      const errno = r === 0 ? Errno.EAGAIN : -r;
      if (errno === Errno.EAGAIN) return WAIT;
      if (errno === Errno.EBADF) throw this.host.lost(errno);
      job.splitRow = -1;
      this.fail(job, errno);
      return DONE;
    }
    if (job.splitRow === job.row) {
      this.c.txGsoFallbacks++;
      if (job.splitErrno === Errno.EIO) this.gso = false;
      job.splitRow = -1;
    }
    job.sent++;
    job.row++;
    job.sub = 0;
    return DONE;
  }

  private countRows(meta: Int32Array, first: number, n: number): void {
    const c = this.c;
    for (let r = first; r < first + n; r++) {
      const b = r * SEND_META;
      const len = meta[b + 1]!;
      const seg = meta[b + 2]!;
      c.txBytes += len;
      if (seg > 0 && len > seg) {
        const n = Math.ceil(len / seg);
        c.txDatagrams += n;
        c.txGsoSends++;
        c.txGsoDatagrams += n;
      } else {
        c.txDatagrams++;
      }
    }
  }

  /** The current row is refused: count it, remember why, go on with the next. */
  private fail(job: SendJob, errno: number): void {
    const slot = job.meta[job.row * SEND_META + 3]!;
    this.c.txErrors++;
    job.failed++;
    job.lastError = new UdpSendError(errno, peerText(job.addrs, slot));
    job.row++;
    job.sub = 0;
  }
}

/** Index of the first message of batch that does not fit a buffer of `size` bytes, or -1. */
function outOfRange(batch: SendBatch, size: number): number {
  const m = batch.meta;
  for (let i = 0; i < batch.count; i++) if (m[i * SEND_META]! + m[i * SEND_META + 1]! > size) return i;
  return -1;
}

function isMulti(meta: Int32Array, row: number): boolean {
  const seg = meta[row * SEND_META + 2]!;
  return seg > 0 && meta[row * SEND_META + 1]! > seg;
}

function peerText(addrs: Uint8Array, slot: number): string {
  try {
    return Endpoint.fromSockaddr(addrs, slot * SOCKADDR_SLOT_BYTES).key;
  } catch {
    return `address slot ${slot}`;
  }
}
