/** The only module that loads the C addon; everything native goes through these typed wrappers. */
import { TioError } from './errors.js';
import { addonCandidates, loadAddonFrom, packageRoot } from './native-load.js';

/** Opaque libuv poll handle owned by the addon. */
export type PollHandle = { readonly __brand: 'tio.PollHandle' };

/** Result of tunOpen: fd >= 0 on success, otherwise errno and the failing stage. */
export interface TunOpenResult {
  fd: number;
  name: string;
  errno: number;
  /** 1: open("/dev/net/tun") failed, 2: TUNSETIFF failed. */
  stage: number;
}

/** Stage values of TunOpenResult (native/tun.c). */
export const TUN_STAGE_OPEN = 1;
/** TUNSETIFF failed. */
export const TUN_STAGE_SETIFF = 2;

/** Poll event bits accepted by pollStart (native/poll.c). */
export const POLL_READABLE = 1;
/** Writable bit for pollStart. */
export const POLL_WRITABLE = 2;

/** The way back from netnsEnter (native/fd.c): the thread's previous network namespace. */
export type NetnsHandle = { readonly __brand: 'tio.NetnsHandle' };

/** Opaque AEAD context (native/aead.c): one key, one direction, reused for every packet. */
export type AeadHandle = { readonly __brand: 'tio.AeadHandle' };

/** Implementation paths of aeadCreate (native/aead.h AEAD_PATH_*, one backend file each). */
export const AEAD_PATH = {
  /** The fastest available: provider. */
  auto: 0,
  /** OpenSSL's EVP layer. */
  evp: 1,
  /** OpenSSL: the provider's cipher functions called directly, or EVP where they are not reachable. */
  provider: 2,
} as const;
/** One of AEAD_PATH's values. */
export type AeadPath = (typeof AEAD_PATH)[keyof typeof AEAD_PATH];

/** Batched AEAD over Node's own OpenSSL (native/aead.c). */
export interface NativeAead {
  // --- aead section: owned by the AEAD work; signatures documented in native/aead.c ---
  /** One key and direction: cipher 0 = AES-256-GCM, 1 = ChaCha20-Poly1305, on `path` (default auto); -EINVAL, -ENOMEM or -EIO. */
  aeadCreate(cipher: 0 | 1, key: Uint8Array, encrypt: boolean, path?: AeadPath): AeadHandle | number;
  /** The AEAD_PATH value the handle runs on (never auto); -EBADF once freed. */
  aeadPath(handle: AeadHandle): number;
  /** Wipes and frees the context now instead of at GC; idempotent; later calls on the handle return -EBADF. */
  aeadFree(handle: AeadHandle): number;
  /** Seals packets buf[offs[i], +16+lens[i]+16) in place (header written by the caller); n, or -EINVAL/-ERANGE/-EBADF/-EPERM/-EIO. */
  aeadSeal(handle: AeadHandle, n: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array): number;
  /** Opens packets buf[offs[i], +lens[i]) in place; out[i] = plaintext length or -1 (a failed packet's plaintext range zeroed); the number authenticated, or a negative errno. */
  aeadOpen(handle: AeadHandle, n: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, out: Int32Array): number;
  /** Seals plaintext src[srcOffs[i], +lens[i]) into packets dst[dstOffs[i], +16+lens[i]+16) whose header is written; n or a negative errno. */
  aeadSealTo(handle: AeadHandle, n: number, src: Uint8Array, srcOffs: Int32Array, lens: Int32Array, dst: Uint8Array, dstOffs: Int32Array): number;
  /** Writes data-message headers (counter first + i - from) in front of plaintexts buf[plainOffs[i], +lens[i]) for i in [from, to) and seals them in place; to - from or a negative errno. */
  aeadSealMessages(
    handle: AeadHandle, buf: Uint8Array, plainOffs: Int32Array, lens: Int32Array, from: number, to: number,
    remoteIndex: number, counterHi: number, counterLo: number,
  ): number;
  /** Writes relayed-packet headers (counter first + i - from) in front of inner packets buf[innerOffs[i], +innerLens[i]) for i in [from, to) and tags header and inner packet (nothing encrypted); to - from or a negative errno. */
  aeadTagMessages(
    handle: AeadHandle, buf: Uint8Array, innerOffs: Int32Array, innerLens: Int32Array, from: number, to: number,
    remoteIndex: number, counterHi: number, counterLo: number,
  ): number;
  /** Checks the tags of relayed packets buf[offs[i], +lens[i]) (header || body || tag, as aeadTagMessages writes them); out[i] = body length or -1; writes nothing else; the number authentic or a negative errno. */
  aeadVerify(handle: AeadHandle, n: number, buf: Uint8Array, offs: Int32Array, lens: Int32Array, out: Int32Array): number;
  /** Opens packets src[srcOffs[i], +lens[i]) into dst[dstOffs[i], +lens[i]-32); out[i] as aeadOpen; the number authenticated or a negative errno. */
  aeadOpenTo(
    handle: AeadHandle, n: number, src: Uint8Array, srcOffs: Int32Array, lens: Int32Array,
    dst: Uint8Array, dstOffs: Int32Array, out: Int32Array,
  ): number;
}

/** UDP transport with GSO/GRO (native/udp.c). */
export interface NativeUdp {
  // --- udp section: owned by the UDP work; signatures documented in native/udp.c ---
  /** Opens a bound, non-blocking UDP socket (IPv6 ones v6-only unless dualStack); fd -1 with errno and stage on failure. */
  udpOpen(family: 4 | 6, addr: Uint8Array, port: number, reusePort: boolean, rcvBytes: number, sndBytes: number, dualStack: boolean): {
    /** The socket, or -1 on failure. */
    fd: number;
    /** The bound port (the kernel's pick when 0 was asked for). */
    port: number;
    /** errno of the failing step, 0 on success. */
    errno: number;
    /** Failing step: 1 socket, 2 SO_REUSEPORT, 3 bind, 4 getsockname, 5 IPV6_V6ONLY; 0 on success. */
    stage: number;
    /** SO_RCVBUF the kernel granted (bytes, including its bookkeeping share). */
    rcvBuf: number;
    /** SO_SNDBUF the kernel granted. */
    sndBuf: number;
  };
  /** setsockopt(UDP_GRO, 1): 0 or -errno. */
  udpEnableGro(fd: number): number;
  /** 0 when the kernel knows UDP_SEGMENT (getsockopt succeeds), else -errno. */
  udpProbeGso(fd: number): number;
  /** One sendmsg to the sockaddr slot `addr`; segSize > 0 adds a UDP_SEGMENT cmsg. Bytes or -errno. */
  udpSendSegments(fd: number, addr: Uint8Array, buf: Uint8Array, off: number, len: number, segSize: number): number;
  /** sendmmsg of meta messages [first, first+count) (4 Int32 each: off, len, segSize, addrSlot); count sent or -errno. */
  udpSendBatch(fd: number, buf: Uint8Array, meta: Int32Array, addrs: Uint8Array, first: number, count: number): number;
  /** recvmmsg(MSG_DONTWAIT): message i at buf[i*slotBytes], sender in addrs slot i, meta 5 Int32 each (off, len, gsoSize, flags, drops); n, 0 on EAGAIN, or -errno. */
  udpRecvBatch(fd: number, buf: Uint8Array, slotBytes: number, max: number, meta: Int32Array, addrs: Uint8Array): number;
}

/** Functions exported by native/*.c. Negative numbers are -errno (or libuv errors for poll*). */
export interface NativeAddon extends NativeAead, NativeUdp {
  /** RFC 1071 sum of buf[off, off+len): folded, not complemented; -1 for a range outside buf (native/checksum.c). */
  checksumSum(buf: Uint8Array, off: number, len: number): number;
  /** Sums (and, with dst, first copies to dst[dstOff + i*dstStride], after a copy of src[prefixOff, +prefixLen)) the pieceLen-byte pieces of src[srcOff, +total); piece count or -1 (native/checksum.c). */
  checksumPieces(
    src: Uint8Array, srcOff: number, pieceLen: number, total: number, sums: Int32Array,
    dst: Uint8Array | null, dstOff: number, dstStride: number, prefixOff: number, prefixLen: number,
  ): number;
  /** Copies src[offs[i], +lens[i]) for i < n back to back into dst from dstOff; bytes copied, or -1 for a bad range or overlap (native/copy.c). */
  copyPieces(src: Uint8Array, offs: Int32Array, lens: Int32Array, n: number, dst: Uint8Array, dstOff: number): number;
  /** Detaches an ArrayBuffer the caller owns, freeing its memory now; -1 if it cannot be detached (native/memory.c). */
  bufferRelease(buf: ArrayBuffer): number;
  /** Returns the malloc heap's free pages to the kernel (glibc malloc_trim(0)); 1 if any were (native/memory.c). */
  mallocTrim(): number;
  /** sched_yield(): lets a task the caller's last write woke run now on this CPU; 0, or -errno (native/sched.c). */
  schedYield(): number;
  closeFd(fd: number): number;
  dupFd(fd: number): number;
  eventfdCreate(): number;
  eventfdSignal(fd: number): number;
  /** Moves the calling thread into the namespace at path; the handle moves it back. -errno on failure (thread unmoved). */
  netnsEnter(path: string): NetnsHandle | number;
  /** Moves the thread back; -EBADF if already done. Aborts the process if the kernel refuses (native/fd.c says why). */
  netnsRestore(handle: NetnsHandle): number;
  tunOpen(name: string, flags: number): TunOpenResult;
  tunSetOffload(fd: number, mask: number): number;
  tunGetFlags(fd: number): number;
  ifSetMtu(name: string, mtu: number): number;
  /** Sets the transmit queue length (SIOCSIFTXQLEN); 0 or -errno. */
  ifSetTxQueueLen(name: string, len: number): number;
  ifSetUp(name: string, up: boolean): number;
  ifIndex(name: string): number;
  ifAddrChange(name: string, add: boolean, family: 4 | 6, addr: Uint8Array, prefixLen: number): number;
  /** Adds (op 0), replaces (1) or deletes (2) a route to dst/prefixLen through the device; mtu, advmss, metric 0 = not set (native/netdev.c). 0 or -errno. */
  ifRouteChange(
    name: string, op: 0 | 1 | 2, family: 4 | 6, dst: Uint8Array, prefixLen: number, src: Uint8Array | null,
    mtu: number, advmss: number, metric: number, kernelProto: boolean,
  ): number;
  /** Drains a TUN queue (native/io.c); state[0] = 1 when it stopped because the queue was empty. */
  readBatch(fd: number, rx: Uint8Array, hdrs: Uint8Array | null, meta: Int32Array, maxPackets: number, state?: Int32Array): number;
  /** 1 when this thread's TUN reads can go through io_uring rounds (native/uring.c), else -errno of why not. */
  uringStatus(): number;
  /** Writes hdr + buf[off, +len) as one packet: one writev, or with `copy` (a scratch) one write() of a gathered copy (native/io.c). */
  writePacket(fd: number, hdr: Uint8Array | null, buf: Uint8Array, off: number, len: number, copy: Uint8Array | null): number;
  /** Writes hdr + parts[0..nparts) as one packet, like writePacket. */
  writeParts(fd: number, hdr: Uint8Array | null, parts: readonly Uint8Array[], nparts: number, copy: Uint8Array | null): number;
  pollCreate(fd: number, callback: (status: number, events: number) => void): PollHandle | number;
  pollStart(handle: PollHandle, events: number): number;
  pollStop(handle: PollHandle): number;
  pollRef(handle: PollHandle, ref: boolean): number;
  pollClose(handle: PollHandle): number;
  /** Turns on the loop wait for this thread: dispatch(timeoutMs) runs once per loop turn (native/loop_wait.c); 0 or -errno. */
  loopWaitStart(dispatch: (timeoutMs: number) => void): number;
  /** Blocks in epoll_wait on the started handles' fds and libuv's for up to timeoutMs; only inside dispatch. How many handles are ready, or -errno. */
  loopWait(timeoutMs: number): number;
  /** The next ready handle's callback, with out = [status, events] to call it with; undefined when none is left. */
  loopNext(out: Int32Array): ((status: number, events: number) => void) | undefined;
  /** Closes fd when the calling thread's environment shuts down (worker exit/terminate). */
  fdAdopt(fd: number): number;
  /** Undoes fdAdopt (the owner closed the fd itself). */
  fdRelease(fd: number): number;
}

function load(): NativeAddon {
  return loadAddonFrom<NativeAddon>(addonCandidates(packageRoot())).addon;
}

let loadError: TioError | null = null;
function tryLoad(): NativeAddon | null {
  try {
    return load();
  } catch (e) {
    loadError = e instanceof TioError ? e : new TioError('ERR_TIO_NO_ADDON', `tio's native addon failed to load: ${String(e)}`);
    return null;
  }
}
const loaded = tryLoad();

/** True when the addon loaded; pure-TypeScript layers (packet/) use it to pick their fast paths. */
export const nativeAvailable: boolean = loaded !== null;

/**
 * The loaded addon. Importing never throws, so the packet helpers work without
 * a build; calling any function of a missing addon throws the load error.
 */
export const native: NativeAddon = loaded ?? new Proxy({} as NativeAddon, {
  get(): never {
    throw loadError!;
  },
});

/**
 * Frees an ArrayBuffer's memory now (it is detached: every view of it becomes
 * empty) instead of whenever GC collects it; without the addon, GC still does.
 * Only for a buffer the caller owns with every view of it: never a Buffer from
 * Node's shared pool (Buffer.allocUnsafe / Buffer.from of small sizes).
 */
export function releaseBuffer(buf: ArrayBuffer): void {
  if (loaded !== null && buf.byteLength > 0) loaded.bufferRelease(buf);
}

/** Returns the malloc heap's free pages to the kernel (glibc malloc_trim); true if any were. Without the addon, false. */
export function trimMallocHeap(): boolean {
  return loaded !== null && loaded.mallocTrim() === 1;
}
