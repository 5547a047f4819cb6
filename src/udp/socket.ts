/** UdpSocket: one non-blocking UDP socket with batched receive (recvmmsg + GRO) and send (UDP_SEGMENT + sendmmsg). */
import { native, releaseBuffer } from '../native.js';
import { BusyError, ClosedError, SyscallError, type TioError } from '../errors.js';
import { inNetns } from '../io/netns.js';
import { FdWatcher } from '../io/readiness.js';
import { followReads } from '../io/follow-reads.js';
import { UdpBatch } from './batch.js';
import * as Errno from '../errno.js';
import { GRO_SLOT_BYTES, RECV_META, SOCKADDR_SLOT_BYTES } from './constants.js';
import { UdpCounters, type UdpStats } from './counters.js';
import { Endpoint } from './endpoint.js';
import { EndpointCache } from './endpoint-cache.js';
import { UdpBindError } from './errors.js';
import { resolveUdpOptions, type ResolvedUdpOptions, type UdpSocketOptions } from './options.js';
import type { SendBatch } from './send-batch.js';
import { Sender, type SendHost } from './sender.js';

/** udpOpen failure stages (native/udp.c). */
const STAGE_REUSEPORT = 2;
const STAGE_BIND = 3;
const STAGE_V6ONLY = 5;
/** Receive calls in one drain that may come back with nothing but truncated messages before we wait again. */
const MAX_EMPTY_DRAINS = 4;

/**
 * A bound UDP socket on the calling thread's event loop. recv() returns a
 * batch of datagrams valid until the next recv(); sends are synchronous
 * syscalls that only wait (in order) when the kernel reports EAGAIN, and the
 * bytes they send must stay unchanged until their promise settles. Open one
 * socket per worker thread (reusePort) to spread load; a socket belongs to
 * the thread that opened it.
 */
export class UdpSocket implements AsyncIterable<UdpBatch> {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** An IPv6 socket that also carries IPv4 (bound to "::"; IPv4 peers are family-4 Endpoints). */
  readonly dualStack: boolean;
  /** The bound local address and port. */
  readonly local: Endpoint;
  /** True when received messages may carry several datagrams (UDP_GRO accepted). */
  readonly gro: boolean;
  /** SO_RCVBUF the kernel granted, bytes. */
  readonly receiveBufferBytes: number;
  /** SO_SNDBUF the kernel granted, bytes. */
  readonly sendBufferBytes: number;

  private fd: number;
  private closed = false;
  private closeError: TioError | null = null;
  private recvPending = false;
  private readonly label: string;
  private readonly watcher: FdWatcher;
  // The last receive call took fewer messages than asked: the socket was empty then.
  private emptied = false;
  private readonly counters = new UdpCounters();
  private readonly sender: Sender;

  private readonly slotBytes: number;
  private readonly batchMessages: number;
  private readonly rx: Buffer;
  private readonly rxMeta: Int32Array;
  private readonly rxAddrs: Uint8Array;
  private readonly batch: UdpBatch;
  // recvEach's read-now hook (followReads), while it runs.
  private readNowFn: (() => void) | null = null;

  private constructor(fd: number, port: number, o: ResolvedUdpOptions, gro: boolean, gso: boolean, rcvBuf: number, sndBuf: number) {
    this.fd = fd;
    this.family = o.family;
    this.dualStack = o.dualStack;
    this.local = Endpoint.of(o.host, port);
    this.gro = gro;
    this.receiveBufferBytes = rcvBuf;
    this.sendBufferBytes = sndBuf;
    this.label = `UDP socket ${this.local.key}`;
    // A GRO message can be as large as any datagram: only a full slot is safe.
    this.slotBytes = gro ? GRO_SLOT_BYTES : o.slotBytes;
    this.batchMessages = o.batchMessages;
    this.rx = Buffer.allocUnsafeSlow(this.slotBytes * this.batchMessages);
    this.rxMeta = new Int32Array(this.batchMessages * RECV_META);
    this.rxAddrs = new Uint8Array(this.batchMessages * SOCKADDR_SLOT_BYTES);
    this.batch = new UdpBatch(this.rx, this.rxAddrs, new EndpointCache(), this.batchMessages);
    this.watcher = new FdWatcher(fd, this.label);
    const host: SendHost = {
      fd: () => this.fd,
      closedError: () => (this.closed ? this.closedErr() : null),
      writable: () => this.watcher.writable(),
      lost: (errno) => this.lost(errno),
    };
    this.sender = new Sender(host, this.family, this.dualStack, gso, this.counters);
    // Closed with the thread's environment if nobody closes it first (worker exit or terminate()).
    native.fdAdopt(fd);
  }

  /** Opens and binds a socket; throws OptionError, UdpBindError or SyscallError saying what to change. */
  static open(options: UdpSocketOptions = {}): UdpSocket {
    const o = resolveUdpOptions(options);
    const r = inNetns(o.netns, () => native.udpOpen(o.family, o.addr, o.port, o.reusePort, o.receiveBufferBytes, o.sendBufferBytes, o.dualStack));
    const where = `${o.family === 4 ? o.host : `[${o.host}]`}:${o.port}`;
    if (r.fd < 0) {
      if (r.stage === STAGE_BIND) throw new UdpBindError(r.errno, where);
      const call = r.stage === STAGE_REUSEPORT ? 'setsockopt(SO_REUSEPORT)' : r.stage === STAGE_V6ONLY ? 'setsockopt(IPV6_V6ONLY, 0)' : 'socket';
      throw new SyscallError(call, r.errno, `UDP ${where}`);
    }
    try {
      const gro = o.gro === 'auto' && native.udpEnableGro(r.fd) === 0;
      const gso = o.gso === 'auto' && native.udpProbeGso(r.fd) === 0;
      return new UdpSocket(r.fd, r.port, o, gro, gso, r.rcvBuf, r.sndBuf);
    } catch (e) {
      native.closeFd(r.fd);
      throw e;
    }
  }

  /** The bound port (the kernel's pick when port 0 was asked for). */
  get port(): number {
    return this.local.port;
  }

  /** True while sends use UDP_SEGMENT; false with gso: 'off', on kernels without it, or after the kernel refused it (EIO). */
  get gso(): boolean {
    return this.sender.gso;
  }

  /** True once closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The socket's fd, for diagnostics (do not read, write or close it yourself); -1 once closed. */
  get fileDescriptor(): number {
    return this.fd;
  }

  /** A snapshot of the counters. */
  stats(): UdpStats {
    return this.counters.snapshot();
  }

  /**
   * The next batch (at least one datagram): GRO messages are already split
   * into their datagrams, in order. The batch and its buffer are reused by the
   * next recv(). One recv() at a time; rejects with ClosedError on close, and
   * that rejection frees the receive buffer at once (not at GC).
   */
  recv(): Promise<UdpBatch> {
    if (this.closed) {
      releaseBuffer(this.rx.buffer as ArrayBuffer);
      return Promise.reject(this.closedErr());
    }
    if (this.recvPending) return Promise.reject(new BusyError('recv()'));
    // The last drain took fewer messages than it asked for, so the socket was empty: wait for
    // readiness rather than ask again at once (one EAGAIN recvmmsg per wake-up saved).
    if (this.emptied) return this.recvWhenReady();
    try {
      if (this.drain()) return Promise.resolve(this.batch);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.recvWhenReady();
  }

  /**
   * Receives in callback mode, for the lowest latency: onBatch(batch) runs
   * from the readiness callback itself, so a datagram that arrives alone is
   * received and handled in the same call, with no promise in between. The
   * batch is valid until onBatch returns or, when it returns a promise, until
   * that settles; no receive happens meanwhile. onEnd runs once: with
   * ClosedError when the socket closes (the receive buffer is freed then), else
   * with the receive's or onBatch's error. Exclusive with recv() and iteration (BusyError).
   */
  recvEach(onBatch: (batch: UdpBatch) => Promise<void> | undefined, onEnd: (err: Error) => void): void {
    if (this.recvPending) throw new BusyError('recvEach()');
    this.recvPending = true;
    this.readNowFn = followReads(this.watcher, () => {
      if (this.closed) throw this.closedErr();
      return this.drain() ? this.batch : null;
    }, onBatch, (err) => {
      this.recvPending = false;
      this.readNowFn = null;
      if (this.closed) releaseBuffer(this.rx.buffer as ArrayBuffer);
      onEnd(err);
    }, () => !this.emptied);
  }

  /**
   * In callback mode (recvEach), receives now as the readiness callback would:
   * for a caller that has just sent to a peer on this host, whose answer may
   * already be queued (the peer's wakeup can run its whole turn inside our
   * send), so the answer is handled in the same turn instead of after another
   * trip through the event loop. With nothing queued it costs one receive
   * call. A no-op while a batch is in use, without recvEach, or once it ended.
   */
  readNow(): void {
    this.readNowFn?.();
  }

  /** Iterates batches until the socket is closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<UdpBatch> {
    for (;;) {
      let batch: UdpBatch;
      try {
        batch = await this.recv();
      } catch (e) {
        if (e instanceof ClosedError) return;
        throw e;
      }
      yield batch;
    }
  }

  /** Sends buf[off, off+len) as one datagram; rejects with UdpSendError when the kernel refuses it. */
  sendTo(peer: Endpoint, buf: Uint8Array, off = 0, len = buf.length - off): Promise<void> {
    return this.sender.sendSegments(peer, buf, off, len, 0);
  }

  /**
   * Sends buf[off, off+len) as datagrams of segSize bytes (the last may be
   * shorter) with one UDP_SEGMENT sendmsg per 64 segments; without GSO (or
   * once the kernel refused it) one datagram each, batched with sendmmsg.
   */
  sendSegments(peer: Endpoint, buf: Uint8Array, off: number, len: number, segSize: number): Promise<void> {
    return this.sender.sendSegments(peer, buf, off, len, segSize);
  }

  /**
   * Sends every message of batch (ranges of buf) with as few sendmmsg calls
   * as possible. Resolves with how many messages the kernel took; refused ones
   * are skipped and reported in batch.failed / batch.lastError and txErrors.
   */
  sendBatch(buf: Uint8Array, batch: SendBatch): Promise<number> {
    return this.sender.sendBatch(buf, batch);
  }

  /** Closes the socket: a pending recv() and waiting sends reject with ClosedError. Idempotent. */
  close(): void {
    this.shutdown(new ClosedError(this.label));
  }

  private shutdown(err: TioError): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = err;
    // Stop polling before the fd number can be reused.
    this.watcher.close(err);
    native.fdRelease(this.fd);
    native.closeFd(this.fd);
    this.fd = -1;
  }

  private closedErr(): TioError {
    return this.closeError ?? new ClosedError(this.label);
  }

  private lost(errno: number): TioError {
    const err = new ClosedError(`${this.label} (the kernel reports its fd gone: errno ${errno})`);
    this.shutdown(err);
    return err;
  }

  private async recvWhenReady(): Promise<UdpBatch> {
    this.recvPending = true;
    try {
      for (;;) {
        await this.watcher.readable();
        if (this.closed) throw this.closedErr();
        if (this.drain()) return this.batch;
      }
    } finally {
      this.recvPending = false;
      // Rejecting because of close: the reader is done with every batch (see recv()).
      if (this.closed) releaseBuffer(this.rx.buffer as ArrayBuffer);
    }
  }

  /** Receives what is queued into the batch; false when nothing usable was there. */
  private drain(): boolean {
    for (let i = 0; i < MAX_EMPTY_DRAINS; i++) {
      const n = native.udpRecvBatch(this.fd, this.rx, this.slotBytes, this.batchMessages, this.rxMeta, this.rxAddrs);
      if (n < 0) {
        if (-n === Errno.EBADF) throw this.lost(-n);
        throw new SyscallError('recvmmsg', -n, this.label);
      }
      this.emptied = n < this.batchMessages;
      if (n === 0) return false;
      if (this.batch.fill(n, this.rxMeta, this.counters) > 0) return true;
    }
    return false;
  }
}
