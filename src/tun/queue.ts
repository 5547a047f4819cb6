/** One TUN queue: batched non-blocking reads, plain and GSO writes, close and worker hand-over. */
import { EAGAIN, EBADF, EBADFD, EINVAL, EIO } from '../errno.js';
import { native, releaseBuffer } from '../native.js';
import {
  BadPacketError, BusyError, ClosedError, LinkDownError, OffloadUnavailableError, ShortWriteError, SyscallError, TioError,
} from '../errors.js';
import {
  VIRTIO_NET_HDR_F_NEEDS_CSUM, VNET_HDR_LEN, decodeHeader, encodeHeader, newHeader, type VirtioNetHdr,
} from '../virtio/index.js';
import { IPV4_MIN_HEADER_LEN, IPV6_HEADER_LEN, REJECT_MAX_LEN } from '../packet/index.js';
import { Counters, type DropReason, type QueueStats } from './counters.js';
import { MAX_GSO_BYTES, MAX_GSO_HEADER, checkGsoGeometry, prepareGsoHeaders, type GsoWriteProto } from './gso-write.js';
import type { Capabilities } from './offload.js';
import { Packet } from './packet.js';
import { FdWatcher, SignalWatcher } from '../io/readiness.js';
import { followReads } from '../io/follow-reads.js';
import { applyVnetHeader } from './vnet-decode.js';
import { WriteChain } from './write-chain.js';
import { WriteOp } from './write-op.js';
import type { WriteStrategy } from './write-strategy.js';

/** Packets per read batch (docs/OFFLOADS.md "Reading": drain until EAGAIN, 64 packets or < 64 KiB headroom). */
export const MAX_BATCH = 64;
/** Default receive buffer: room for the 64 KiB headroom rule to allow ~15 superpackets per batch. */
export const DEFAULT_RX_BUFFER = 1 << 20;
/** The smallest receive buffer that still holds one 64 KiB superpacket. */
export const MIN_RX_BUFFER = 65536;

// What writeAll returns for a write the kernel took only part of; not an errno.
const SHORT_WRITE = -0x10000;

/** Everything needed to rebuild a queue in another thread; plain data, safe for postMessage. */
export interface QueueHandle {
  fd: number;
  /** A dup of the device's close eventfd, owned by whoever attaches the handle. */
  closeFd: number;
  name: string;
  index: number;
  capabilities: Capabilities;
  writeStrategy: WriteStrategy;
  rxBufferSize: number;
  /** Read bursts of small packets through io_uring (TunOpenOptions.ringReads). Default true. */
  ringReads?: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();
const WROTE: Promise<boolean> = Promise.resolve(true);
const SKIPPED: Promise<boolean> = Promise.resolve(false);

/**
 * A queue of a TUN device. read() returns batches of packets that stay valid
 * until the next read(); writes are synchronous syscalls that only wait when
 * the kernel reports EAGAIN. One reader at a time; writes may come from anywhere
 * on the owning thread.
 */
export class Queue implements AsyncIterable<Packet[]> {
  /** Interface name of the device. */
  readonly name: string;
  /** Index of this queue within its device. */
  readonly index: number;
  /** Offloads negotiated for the device. */
  readonly capabilities: Capabilities;
  /** How every write of this queue reaches the kernel: writev, or one write() of a gathered copy. */
  readonly writeStrategy: WriteStrategy;

  private fd: number;
  private closeFd: number;
  private readonly ownsCloseFd: boolean;
  private readonly rxBufferSize: number;
  private closed = false;
  private detached = false;
  // The fd was closed behind the queue's back (EBADF): its number may be someone else's now.
  private fdGone = false;
  private closeError: TioError | null = null;
  private readonly watcher: FdWatcher;
  private readonly closeWatch: SignalWatcher | null;
  private readonly onClosed: ((q: Queue) => void) | null;

  private readonly rx: Buffer;
  private readonly rxHdrs: Buffer | null;
  private readonly meta = new Int32Array(2 * MAX_BATCH);
  // Native readBatch state: [0] = 1 when the last drain stopped because the queue was empty;
  // with ring reads, [1] the last batch's small-packet count and [2] the reads it issued through io_uring.
  private readonly rxState: Int32Array;
  private readonly pool: Packet[] = [];
  private readonly vh: VirtioNetHdr = newHeader();
  private readPending = false;
  // readEach's read-now hook (followReads), while it runs.
  private readNowFn: (() => void) | null = null;

  private readonly txHdr = Buffer.alloc(VNET_HDR_LEN);
  // All zero, deliberately without DATA_VALID: TUN ignores it, and it would vouch for
  // checksums tio never checked (docs/tun-writes.md).
  private readonly plainHdr: Buffer | null;
  private readonly gsoHdrScratch = Buffer.alloc(MAX_GSO_HEADER);
  // Set for the `copy` strategy: every write is gathered here and sent with one write() (native/io.c).
  private readonly copyScratch: Buffer | null;
  private readonly parts: Uint8Array[] = [];
  // The write being issued; a write that must wait is parked as a copy, so this one is free again at once.
  private readonly op = new WriteOp();
  private readonly writeChain = new WriteChain();
  // Byte counts of the last short write, for its ShortWriteError.
  private shortWrote = 0;
  private shortExpected = 0;
  private readonly counters = new Counters();
  // writeReject's own copy, so a reject parked behind a GSO write never shares bytes with anyone.
  private readonly rejectScratch = Buffer.alloc(REJECT_MAX_LEN);
  private rejectParked = false;

  /** @internal Use TunDevice.open or Queue.attach. */
  constructor(h: QueueHandle, ownsCloseFd: boolean, onClosed: ((q: Queue) => void) | null) {
    this.fd = h.fd;
    this.closeFd = h.closeFd;
    this.ownsCloseFd = ownsCloseFd;
    this.name = h.name;
    this.index = h.index;
    this.capabilities = { ...h.capabilities };
    this.writeStrategy = h.writeStrategy;
    this.rxBufferSize = Math.max(MIN_RX_BUFFER, h.rxBufferSize);
    this.onClosed = onClosed;
    this.rx = Buffer.allocUnsafeSlow(this.rxBufferSize);
    this.rxState = new Int32Array(h.ringReads === false ? 1 : 3);
    this.rxHdrs = h.capabilities.vnetHdr ? Buffer.alloc(VNET_HDR_LEN * MAX_BATCH) : null;
    this.plainHdr = h.capabilities.vnetHdr ? Buffer.alloc(VNET_HDR_LEN) : null;
    this.copyScratch = h.writeStrategy === 'copy' ? Buffer.allocUnsafeSlow(VNET_HDR_LEN + MAX_GSO_BYTES) : null;
    for (let i = 0; i < MAX_BATCH; i++) this.pool.push(new Packet(this.rx, 0, 0));
    this.watcher = new FdWatcher(this.fd, `${this.name} queue ${this.index}`);
    if (ownsCloseFd) {
      // Attached in a worker: its fds must not outlive the worker, even on terminate().
      native.fdAdopt(this.fd);
      native.fdAdopt(this.closeFd);
    }
    // A queue attached in a worker learns of device close only through the eventfd.
    this.closeWatch = ownsCloseFd
      ? new SignalWatcher(this.closeFd, `${this.name} close signal`, () => this.shutdown(new ClosedError(`device ${this.name}`)))
      : null;
  }

  /** Rebuilds a queue from a handle made by detach(), typically inside a worker thread. */
  static attach(h: QueueHandle): Queue {
    return new Queue(h, true, null);
  }

  /** True once closed (by close(), device close, or the device disappearing). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The queue's fd (for diagnostics; do not read or close it yourself). */
  get fileDescriptor(): number {
    return this.fd;
  }

  /** A snapshot of this queue's counters. */
  stats(): QueueStats {
    return this.counters.snapshot();
  }

  /**
   * The next batch of packets (at least one). Resolves as soon as the queue is
   * readable; rejects with ClosedError once the queue or device is closed, and
   * that rejection frees the receive buffer at once (not at GC).
   */
  read(): Promise<Packet[]> {
    if (this.closed) {
      releaseBuffer(this.rx.buffer as ArrayBuffer);
      return Promise.reject(this.closedError());
    }
    if (this.readPending) return Promise.reject(new BusyError('read()'));
    // The last drain found the queue empty: wait for readiness rather than ask again at once
    // (one EAGAIN read per wake-up saved; the poll stays armed, see FdWatcher).
    if (this.rxState[0] === 1) return this.readWhenReady();
    let batch: Packet[] | null;
    try {
      batch = this.drain();
    } catch (e) {
      return Promise.reject(e);
    }
    return batch ? Promise.resolve(batch) : this.readWhenReady();
  }

  /**
   * Reads in callback mode, for the lowest latency: onBatch(batch) runs from
   * the readiness callback itself, so a packet that arrives alone is read and
   * handled in the same call, with no promise in between. The batch is valid
   * until onBatch returns or, when it returns a promise, until that settles;
   * no read happens meanwhile. onEnd runs once: with ClosedError when the queue
   * closes (the receive buffer is freed then), else with the read's or onBatch's
   * error. Exclusive with read() and iteration (BusyError).
   */
  readEach(onBatch: (batch: Packet[]) => Promise<void> | undefined, onEnd: (err: Error) => void): void {
    if (this.readPending) throw new BusyError('readEach()');
    this.readPending = true;
    this.readNowFn = followReads(this.watcher, () => {
      if (this.closed) throw this.closedError();
      return this.drain();
    }, onBatch, (err) => {
      this.readPending = false;
      this.readNowFn = null;
      if (this.closed) releaseBuffer(this.rx.buffer as ArrayBuffer);
      onEnd(err);
    }, () => this.rxState[0] !== 1);
  }

  /**
   * In callback mode (readEach), reads now as the readiness callback would: for
   * a caller that has just written packets the kernel answers at once (an echo
   * request, TCP data that is acknowledged), so the answer is read in the same
   * turn instead of after another trip through the event loop. A no-op while
   * a batch is in use, without readEach, or once it ended.
   */
  readNow(): void {
    this.readNowFn?.();
  }

  /** Iterates batches until the queue is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<Packet[]> {
    for (;;) {
      let batch: Packet[];
      try {
        batch = await this.read();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      yield batch;
    }
  }

  /**
   * Writes one IP packet with complete checksums. A read superpacket (packet.gso
   * set) is written back as a superpacket. Invalid packets are refused with
   * BadPacketError before any syscall.
   */
  write(packet: Packet | Uint8Array): Promise<void> {
    if (packet instanceof Packet) {
      if (packet.gso) return this.writeSuperpacket(packet);
      return this.writeOne(packet.buf, packet.off, packet.len);
    }
    return this.writeOne(packet, 0, packet.length);
  }

  /**
   * Writes a superpacket read from a TUN queue back out unchanged, with
   * NEEDS_CSUM so the kernel (or the receiver) finishes its checksum.
   */
  writeSuperpacket(packet: Packet): Promise<void> {
    const g = packet.gso;
    if (!g) return this.writeOne(packet.buf, packet.off, packet.len);
    if (this.closed) return Promise.reject(this.closedError());
    if (!(g.proto === 'tcp' ? this.capabilities.tso : this.capabilities.uso)) {
      this.counters.txErrors++;
      return Promise.reject(new OffloadUnavailableError(`writing a ${g.proto.toUpperCase()} superpacket to ${this.name}`));
    }
    const vh = this.vh;
    vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vh.gsoType = g.gsoType;
    vh.hdrLen = g.hdrLen;
    vh.gsoSize = g.size;
    vh.csumStart = g.csumStart;
    vh.csumOffset = g.csumOffset;
    encodeHeader(vh, this.txHdr, 0);
    return this.submit(this.op.packet(this.txHdr, packet.buf, packet.off, packet.len, true));
  }

  /**
   * Writes `payloads` as one superpacket behind copies of `ipHdr` and `l4Hdr`
   * (their length and checksum fields are filled in; the caller's bytes are not
   * changed): the kernel segments it at payloads[0].length. One payload is
   * written as an ordinary packet. Bad geometry throws GeometryError before any syscall.
   */
  writeGSO(ipHdr: Uint8Array, l4Hdr: Uint8Array, payloads: readonly Uint8Array[], proto: GsoWriteProto): Promise<void> {
    let total: number;
    try {
      total = checkGsoGeometry(ipHdr, l4Hdr, payloads, proto);
    } catch (e) {
      this.counters.txErrors++;
      return Promise.reject(e);
    }
    if (this.closed) return Promise.reject(this.closedError());
    const segments = payloads.length;
    if (segments > 1 && !(proto === 'tcp' ? this.capabilities.tso : this.capabilities.uso)) {
      this.counters.txErrors++;
      return Promise.reject(new OffloadUnavailableError(`writeGSO of ${segments} ${proto.toUpperCase()} segments on ${this.name}`));
    }
    const ipOut = this.gsoHdrScratch.subarray(0, ipHdr.length);
    const l4Out = this.gsoHdrScratch.subarray(ipHdr.length, ipHdr.length + l4Hdr.length);
    const vnet = this.capabilities.vnetHdr;
    prepareGsoHeaders(ipHdr, l4Hdr, payloads, proto, total, ipOut, l4Out, this.vh, !vnet);
    if (vnet) encodeHeader(this.vh, this.txHdr, 0);
    const parts = this.parts;
    parts.length = 0;
    parts.push(this.gsoHdrScratch.subarray(0, ipHdr.length + l4Hdr.length));
    for (let i = 0; i < segments; i++) parts.push(payloads[i]!);
    return this.submit(this.op.inParts(vnet ? this.txHdr : null, parts, total, segments > 1));
  }

  /**
   * Writes a reject packet (buildRejectPacket's output, at most REJECT_MAX_LEN bytes) as a plain
   * packet from the queue's own scratch, so the caller may reuse its buffer at once and a write
   * parked on EAGAIN (a GSO write included) is neither disturbed nor overtaken. Resolves true once
   * written; false, with nothing written, while the previous reject still waits for room (rejects
   * are best effort, as ICMP is). Refuses what write() refuses, and longer packets, with BadPacketError.
   */
  writeReject(reject: Uint8Array, off = 0, len = reject.length - off): Promise<boolean> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!(len >= 0 && off >= 0 && off + len <= reject.length && len <= REJECT_MAX_LEN)) {
      this.counters.txErrors++;
      return Promise.reject(new BadPacketError(`a reject of ${len} bytes at ${off} (buffer ${reject.length}, limit ${REJECT_MAX_LEN})`));
    }
    if (this.rejectParked) return SKIPPED;
    this.rejectScratch.set(reject.subarray(off, off + len));
    const w = this.writeOne(this.rejectScratch, 0, len);
    if (w === RESOLVED) return WROTE;
    this.rejectParked = true;
    return w.then(() => {
      this.rejectParked = false;
      return true;
    }, (e: unknown) => {
      this.rejectParked = false;
      throw e;
    });
  }

  /**
   * @internal One write of `hdr` + buf[off, +len) under this queue's write
   * strategy, with no checks, counters or EAGAIN wait: bytes written or
   * -errno. For the device's GRO probe.
   */
  probeWrite(hdr: Buffer, buf: Uint8Array, off: number, len: number): number {
    if (this.closed) return -EBADF;
    return this.syscallWrite(this.op.packet(hdr, buf, off, len, false));
  }

  /**
   * Hands the queue to another thread: returns a handle for Queue.attach and
   * makes this object inert (its fd is no longer closed here). The device's
   * close still reaches the attached queue through the close eventfd.
   */
  detach(): QueueHandle {
    if (this.closed) throw this.closedError();
    if (this.readPending || this.writeChain.busy) throw new BusyError('an operation');
    const closeFd = native.dupFd(this.closeFd);
    if (closeFd < 0) throw new SyscallError('dup', -closeFd, `${this.name} close eventfd`);
    const h: QueueHandle = {
      fd: this.fd, closeFd, name: this.name, index: this.index,
      capabilities: { ...this.capabilities }, writeStrategy: this.writeStrategy, rxBufferSize: this.rxBufferSize,
      ringReads: this.rxState.length === 3,
    };
    this.detached = true;
    this.shutdown(new ClosedError(`queue ${this.index} of ${this.name} (detached to another thread)`));
    return h;
  }

  /** Closes this queue: pending reads and writes reject with ClosedError. Idempotent. */
  close(): void {
    this.shutdown(new ClosedError(`queue ${this.index} of ${this.name}`));
  }

  /** @internal Closes with a given reason (device close, device deleted, detach). */
  shutdown(err: TioError): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    this.closeWatch?.close();
    // Stop polling before the fd number can be reused by anyone else.
    this.watcher.close(err);
    if (this.ownsCloseFd) {
      native.fdRelease(this.fd);
      native.fdRelease(this.closeFd);
    }
    if (!this.detached) {
      if (!this.fdGone) native.closeFd(this.fd);
      if (this.ownsCloseFd) native.closeFd(this.closeFd);
    }
    this.fd = -1;
    this.closeFd = -1;
    this.onClosed?.(this);
  }

  private closedError(): TioError {
    return this.closeError ?? new ClosedError();
  }

  private async readWhenReady(): Promise<Packet[]> {
    this.readPending = true;
    try {
      for (;;) {
        await this.watcher.readable();
        if (this.closed) throw this.closedError();
        const batch = this.drain();
        if (batch) return batch;
      }
    } finally {
      this.readPending = false;
      // Rejecting because of close: the reader is done with the last batch (packets live until the next read).
      if (this.closed) releaseBuffer(this.rx.buffer as ArrayBuffer);
    }
  }

  /** Reads what is queued; null when nothing is (EAGAIN) or everything read was dropped. */
  private drain(): Packet[] | null {
    const st = this.rxState;
    const n = native.readBatch(this.fd, this.rx, this.rxHdrs, this.meta, MAX_BATCH, st);
    if (st.length === 3) this.counters.rxRingReads += st[2]!;
    if (n < 0) throw this.ioError('read', n);
    if (n === 0) return null;
    const out = this.decodeBatch(n);
    return out.length > 0 ? out : null;
  }

  private decodeBatch(n: number): Packet[] {
    const out: Packet[] = [];
    const rx = this.rx;
    const meta = this.meta;
    const hdrs = this.rxHdrs;
    const c = this.counters;
    for (let i = 0; i < n; i++) {
      const off = meta[2 * i]!;
      const raw = meta[2 * i + 1]!;
      const p = this.pool[i]!;
      p.gso = null;
      p.off = off;
      let reason: DropReason | null;
      if (hdrs) {
        p.len = raw - VNET_HDR_LEN;
        reason = p.len > 0 ? this.decodeVnet(p, hdrs, i) : 'truncated-header';
      } else {
        p.len = raw;
        reason = checkPlain(rx, off, raw);
      }
      if (reason !== null) {
        c.drops[reason]++;
        continue;
      }
      c.rxPackets++;
      c.rxBytes += p.len;
      out.push(p);
    }
    if (out.length > 0) c.rxBatches++;
    return out;
  }

  private decodeVnet(p: Packet, hdrs: Buffer, i: number): DropReason | null {
    const reason = applyVnetHeader(decodeHeader(hdrs, i * VNET_HDR_LEN, this.vh), p);
    const g = p.gso;
    if (reason === null && g !== null) {
      // Per superpacket, not per segment: two adds and a division.
      const c = this.counters;
      c.rxSuperpackets++;
      c.rxSuperpacketBytes += p.len;
      c.rxSuperpacketSegments += Math.ceil((p.len - g.hdrLen) / g.size);
    }
    return reason;
  }

  private writeOne(buf: Uint8Array, off: number, len: number): Promise<void> {
    if (this.closed) return Promise.reject(this.closedError());
    const bad = checkPlain(buf, off, len);
    if (bad !== null || len > MAX_GSO_BYTES) {
      this.counters.txErrors++;
      const v = len > 0 ? buf[off]! >>> 4 : 0;
      const why = len > MAX_GSO_BYTES ? `${len} bytes exceed ${MAX_GSO_BYTES}`
        : bad === 'bad-ip-version' ? `IP version ${v} is neither 4 nor 6`
          : `${len} bytes is shorter than an IPv${v === 6 ? 6 : 4} header`;
      return Promise.reject(new BadPacketError(why));
    }
    return this.submit(this.op.packet(this.plainHdr, buf, off, len, false));
  }

  /**
   * Issues one write syscall, waiting on EAGAIN. Writes made while an earlier
   * one waits queue behind it (writeChain) to keep packet order; a waiting
   * write is parked as a copy, because later writes reuse the record and the
   * header scratch.
   */
  private submit(op: WriteOp): Promise<void> {
    if (!this.writeChain.busy) {
      const r = this.writeAll(op);
      if (r >= 0) {
        this.countWrite(op);
        return RESOLVED;
      }
      if (-r !== EAGAIN) return Promise.reject(this.writeError(r));
    }
    // Slow path: snapshot what later writes would overwrite, then wait our turn.
    const parked = op.parked(this.gsoHdrScratch);
    return this.writeChain.enqueue(() => this.writeWithWait(parked));
  }

  private async writeWithWait(op: WriteOp): Promise<void> {
    for (;;) {
      if (this.closed) throw this.closedError();
      const r = this.writeAll(op);
      if (r >= 0) {
        this.countWrite(op);
        return;
      }
      if (-r !== EAGAIN) throw this.writeError(r);
      this.counters.txWaits++;
      await this.watcher.writable();
    }
  }

  /**
   * The one place a queue's bytes reach the fd: every write method ends here,
   * so the write strategy (copyScratch) covers all of them.
   */
  private syscallWrite(op: WriteOp): number {
    if (op.parts) return native.writeParts(this.fd, op.hdr, op.parts, op.nparts, this.copyScratch);
    return native.writePacket(this.fd, op.hdr, op.buf!, op.off, op.len, this.copyScratch);
  }

  private countWrite(op: WriteOp): void {
    const c = this.counters;
    c.txPackets++;
    c.txBytes += op.len;
    if (op.superpacket) {
      c.txSuperpackets++;
      c.txSuperpacketBytes += op.len;
    }
  }

  /**
   * One write syscall, checked for a short count: a TUN write takes the whole
   * packet or fails (drivers/net/tun.c tun_get_user), so fewer bytes than the
   * virtio header plus the packet mean the packet did not go out; SHORT_WRITE then.
   */
  private writeAll(op: WriteOp): number {
    const r = this.syscallWrite(op);
    const expected = (op.hdr ? VNET_HDR_LEN : 0) + op.len;
    if (r < 0 || r === expected) return r;
    this.shortWrote = r;
    this.shortExpected = expected;
    return SHORT_WRITE;
  }

  private writeError(r: number): TioError {
    this.counters.txErrors++;
    if (r === SHORT_WRITE) return new ShortWriteError(`${this.name} queue ${this.index}`, this.shortWrote, this.shortExpected);
    const e = this.ioError('write', r);
    // TUN answers EIO to every write while the link is down (drivers/net/tun.c), EINVAL to a malformed packet.
    if (e instanceof SyscallError && e.errno === EIO) return new LinkDownError(this.name);
    if (e instanceof SyscallError && e.errno === EINVAL) return new BadPacketError(`the kernel refused it (${e.message})`);
    return e;
  }

  private ioError(op: string, r: number): TioError {
    const errno = -r;
    if (errno === EBADF || errno === EBADFD) {
      const err = new ClosedError(errno === EBADFD ? `device ${this.name} (deleted)` : `queue ${this.index} of ${this.name}`);
      this.fdGone = errno === EBADF;
      this.shutdown(err);
      return err;
    }
    return new SyscallError(op, errno, `${this.name} queue ${this.index}`);
  }
}

/** Minimal sanity of a packet without a vnet header: long enough, IPv4 or IPv6. */
function checkPlain(buf: Uint8Array, off: number, len: number): DropReason | null {
  if (len < IPV4_MIN_HEADER_LEN) return 'too-short';
  const v = buf[off]! >>> 4;
  if (v === 4) return null;
  if (v === 6) return len < IPV6_HEADER_LEN ? 'too-short' : null;
  return 'bad-ip-version';
}
