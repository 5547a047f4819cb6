/** TunDevice: open (optionally multi-queue, optionally in another netns), negotiate offloads, configure, close. */
import { EACCES, EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, ENXIO, EPERM } from '../errno.js';
import { native, TUN_STAGE_OPEN, type TunOpenResult } from '../native.js';
import {
  ClosedError, NameBusyError, NoTunDeviceError, OffloadRefusedError, OptionError, PermissionDeniedError,
  SyscallError, TioError,
} from '../errors.js';
import { IFF_MULTI_QUEUE, IFF_NO_PI, IFF_TUN, IFF_VNET_HDR, MAX_IFNAME, MAX_QUEUES } from './constants.js';
import { parseCidr, type InterfaceAddress } from './cidr.js';
import { installRoute, removeRoute, resolveRoute, type RouteOptions } from './route.js';
import { sumStats, type QueueStats } from './counters.js';
import { probeGroWrite } from './gro-probe.js';
import { inNetns } from '../io/netns.js';
import { capabilitiesOf, negotiateOffload, type Capabilities, type OffloadOption } from './offload.js';
import { DEFAULT_RX_BUFFER, MIN_RX_BUFFER, Queue } from './queue.js';
import { resolveWriteStrategy, type WriteStrategy } from './write-strategy.js';

/** Options of TunDevice.open. */
export interface TunOpenOptions {
  /** Interface name (max 15 bytes); may contain "%d". Default "tio%d". */
  name?: string;
  /** Number of queues (fds); more than one makes a multi-queue device. Default 1. */
  queues?: number;
  /** Offloads: 'auto' (TSO+USO, then TSO, then plain TUN), 'off' (mask 0), or explicit. Default 'auto'. */
  offload?: OffloadOption;
  /** Open with a virtio_net_hdr; false opens a plain TUN (no offloads). Default true. */
  vnetHdr?: boolean;
  /** How every write reaches the fd (writev, or one write() of a copy); 'auto' picks 'copy' on kernels older than 5.4. Default 'auto'. */
  writeStrategy?: 'auto' | WriteStrategy;
  /** MTU to set (68..65535). */
  mtu?: number;
  /** Transmit queue length to set (packets the kernel queues for us to read; TUN's default is 500). */
  txQueueLen?: number;
  /** Addresses to add, CIDR form: "198.18.0.1/24", "fd00::1/64". */
  addresses?: readonly string[];
  /** Bring the link up after configuring it. Default true. */
  up?: boolean;
  /** Network namespace (name under /var/run/netns, or a path) to create the device in. */
  netns?: string;
  /** Receive buffer bytes per queue (>= 65536). Default 1 MiB. */
  rxBufferSize?: number;
  /** Allow coalesced (GRO) writes; probed at open on TSO devices. Default true. */
  gro?: boolean;
  /** Read bursts of small packets in io_uring rounds, one syscall per round, where the kernel allows it (readv otherwise; docs/OFFLOADS.md "Reading"). Default true. */
  ringReads?: boolean;
}

/** IPv4 minimum MTU (RFC 791: 68) and the 16-bit maximum. */
const MTU_MIN = 68;
const MTU_MAX = 65535;

interface Resolved {
  name: string;
  queues: number;
  offload: OffloadOption;
  vnetHdr: boolean;
  writeStrategy: WriteStrategy;
  mtu: number | undefined;
  txQueueLen: number | undefined;
  addresses: InterfaceAddress[];
  up: boolean;
  netns: string | undefined;
  rxBufferSize: number;
  gro: boolean;
  ringReads: boolean;
}

function validate(o: TunOpenOptions): Resolved {
  const name = o.name ?? 'tio%d';
  if (typeof name !== 'string' || name.length === 0 || Buffer.byteLength(name) > MAX_IFNAME || /[\s/\0]/.test(name)) {
    throw new OptionError('name', `${JSON.stringify(String(name))} must be 1..${MAX_IFNAME} bytes without spaces, "/" or NUL`);
  }
  const queues = o.queues ?? 1;
  if (!Number.isInteger(queues) || queues < 1 || queues > MAX_QUEUES) throw new OptionError('queues', `must be an integer 1..${MAX_QUEUES}, got ${String(queues)}`);
  const offload = o.offload ?? 'auto';
  if (offload !== 'auto' && offload !== 'off' && (typeof offload !== 'object' || offload === null)) {
    throw new OptionError('offload', `must be 'auto', 'off' or {tso, uso}, got ${JSON.stringify(offload)}`);
  }
  const vnetHdr = o.vnetHdr ?? true;
  if (!vnetHdr && typeof offload === 'object' && (offload.tso || offload.uso)) {
    throw new OptionError('offload', 'TSO/USO need vnetHdr: true');
  }
  const ws = o.writeStrategy ?? 'auto';
  if (ws !== 'auto' && ws !== 'writev' && ws !== 'copy') throw new OptionError('writeStrategy', `must be 'auto', 'writev' or 'copy', got ${String(ws)}`);
  if (o.mtu !== undefined && (!Number.isInteger(o.mtu) || o.mtu < MTU_MIN || o.mtu > MTU_MAX)) {
    throw new OptionError('mtu', `must be an integer ${MTU_MIN}..${MTU_MAX}, got ${String(o.mtu)}`);
  }
  if (o.txQueueLen !== undefined && (!Number.isInteger(o.txQueueLen) || o.txQueueLen < 0 || o.txQueueLen > 0x7fffffff)) {
    throw new OptionError('txQueueLen', `must be an integer 0..2^31-1, got ${String(o.txQueueLen)}`);
  }
  const rx = o.rxBufferSize ?? DEFAULT_RX_BUFFER;
  if (!Number.isInteger(rx) || rx < MIN_RX_BUFFER) throw new OptionError('rxBufferSize', `must be an integer >= ${MIN_RX_BUFFER}`);
  const ringReads = o.ringReads ?? true;
  if (typeof ringReads !== 'boolean') throw new OptionError('ringReads', `must be a boolean, got ${String(ringReads)}`);
  const addresses = (o.addresses ?? []).map((a, i) => parseCidr(a, `addresses[${i}]`));
  return {
    name, queues, offload, vnetHdr, writeStrategy: resolveWriteStrategy(ws), mtu: o.mtu, txQueueLen: o.txQueueLen, addresses,
    up: o.up ?? true, netns: o.netns, rxBufferSize: rx, gro: o.gro ?? true, ringReads,
  };
}

function openError(r: TunOpenResult, name: string): TioError {
  if (r.stage === TUN_STAGE_OPEN) {
    if (r.errno === ENOENT || r.errno === ENODEV || r.errno === ENXIO) return new NoTunDeviceError(`open failed with ${r.errno === ENOENT ? 'ENOENT' : 'ENODEV'}`);
    if (r.errno === EPERM || r.errno === EACCES) return new PermissionDeniedError('opening /dev/net/tun');
    return new SyscallError('open', r.errno, '/dev/net/tun');
  }
  if (r.errno === EPERM || r.errno === EACCES) return new PermissionDeniedError(`creating TUN device ${name}`);
  // EBUSY: single-queue device already attached; EINVAL: name held by another kind of device or other flags.
  if (r.errno === EBUSY || (r.errno === EINVAL && !name.includes('%'))) return new NameBusyError(name);
  return new SyscallError('ioctl(TUNSETIFF)', r.errno, name);
}

function configError(what: string, r: number, name: string): TioError {
  if (-r === EPERM || -r === EACCES) return new PermissionDeniedError(`${what} on ${name}`);
  return new SyscallError(what, -r, name);
}

/** A TUN device and its queues. */
export class TunDevice {
  /** Interface name the kernel assigned. */
  readonly name: string;
  /** Negotiated offloads. */
  readonly capabilities: Capabilities;
  /** Accepted TUNSETOFFLOAD mask (0 when offloads are off or there is no vnet header). */
  readonly offloadMask: number;
  /** The queues, index order. */
  readonly queues: readonly Queue[];
  /** How GSO writes are issued. */
  readonly writeStrategy: WriteStrategy;
  /** Namespace the device lives in (undefined: the caller's). */
  readonly netns: string | undefined;
  /**
   * Whether coalesced (GRO) superpackets may be written: the `gro` option, TSO
   * negotiated, and the kernel accepting the probe write (see gro-probe.ts).
   */
  groWrites: boolean;
  /** The errno of a refused probe, for diagnostics (0 when accepted or not run). */
  groProbeErrno = 0;

  private readonly closeFd: number;
  private closed = false;
  private groProbePending: boolean;

  private constructor(name: string, caps: Capabilities, mask: number, queues: Queue[], ws: WriteStrategy,
    netns: string | undefined, closeFd: number, gro: boolean) {
    this.groWrites = gro && caps.tso;
    this.groProbePending = this.groWrites;
    this.name = name;
    this.capabilities = caps;
    this.offloadMask = mask;
    this.queues = queues;
    this.writeStrategy = ws;
    this.netns = netns;
    this.closeFd = closeFd;
  }

  /**
   * Creates (or attaches to) a TUN device. Needs CAP_NET_ADMIN. Throws
   * OptionError, PermissionDeniedError, NoTunDeviceError, NameBusyError or
   * OffloadRefusedError; on any error every fd opened so far is closed.
   */
  static open(options: TunOpenOptions = {}): TunDevice {
    const o = validate(options);
    return inNetns(o.netns, () => TunDevice.openHere(o));
  }

  private static openHere(o: Resolved): TunDevice {
    const fds: number[] = [];
    const closeFd = native.eventfdCreate();
    if (closeFd < 0) throw new SyscallError('eventfd', -closeFd, 'tio close signal');
    try {
      const multi = o.queues > 1 ? IFF_MULTI_QUEUE : 0;
      let vnet = o.vnetHdr;
      let first = native.tunOpen(o.name, IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0) | multi);
      if (first.fd < 0) throw openError(first, o.name);
      fds.push(first.fd);
      let mask = 0;
      if (vnet) {
        mask = negotiateOffload(o.offload, (m) => native.tunSetOffload(first.fd, m));
        if (mask < 0) {
          if (o.offload !== 'auto') throw new OffloadRefusedError(`offloads ${JSON.stringify(o.offload)} on ${first.name}`);
          // Nothing accepted: reopen as a plain TUN. Closing the only fd removes the device.
          native.closeFd(fds.pop()!);
          vnet = false;
          mask = 0;
          first = native.tunOpen(first.name, IFF_TUN | IFF_NO_PI | multi);
          if (first.fd < 0) throw openError(first, o.name);
          fds.push(first.fd);
        }
      }
      const name = first.name;
      const flags = IFF_TUN | IFF_NO_PI | (vnet ? IFF_VNET_HDR : 0) | multi;
      for (let i = 1; i < o.queues; i++) {
        const q = native.tunOpen(name, flags);
        if (q.fd < 0) throw openError(q, name);
        fds.push(q.fd);
        // The mask is device-wide: replay exactly what the first queue accepted.
        if (vnet) {
          const r = native.tunSetOffload(q.fd, mask);
          if (r < 0) throw new OffloadRefusedError(`replaying offload mask 0x${mask.toString(16)} on queue ${i} of ${name}`);
        }
      }
      configure(name, o);
      const caps = capabilitiesOf(mask, vnet);
      const queues = fds.map((fd, index) => new Queue(
        { fd, closeFd, name, index, capabilities: caps, writeStrategy: o.writeStrategy, rxBufferSize: o.rxBufferSize, ringReads: o.ringReads },
        false, null));
      const dev = new TunDevice(name, caps, mask, queues, o.writeStrategy, o.netns, closeFd, o.gro);
      if (o.up) dev.runGroProbe();
      return dev;
    } catch (e) {
      for (const fd of fds) native.closeFd(fd);
      native.closeFd(closeFd);
      throw e;
    }
  }

  /** True once close() was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Sets the link up (or down with `false`). */
  up(up = true): void {
    this.ensureOpen();
    inNetns(this.netns, () => {
      const r = native.ifSetUp(this.name, up);
      if (r < 0) throw configError('SIOCSIFFLAGS', r, this.name);
    });
    if (up) this.runGroProbe();
  }

  /** Sets the MTU. */
  setMtu(mtu: number): void {
    this.ensureOpen();
    if (!Number.isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX) throw new OptionError('mtu', `must be an integer ${MTU_MIN}..${MTU_MAX}, got ${String(mtu)}`);
    inNetns(this.netns, () => setMtu(this.name, mtu));
  }

  /** Adds an address in CIDR form ("198.18.0.1/24", "fd00::1/64"). */
  addAddress(cidr: string): void {
    this.ensureOpen();
    const a = parseCidr(cidr, 'address');
    inNetns(this.netns, () => addAddress(this.name, a));
  }

  /** Removes an address added before. */
  removeAddress(cidr: string): void {
    this.ensureOpen();
    const a = parseCidr(cidr, 'address');
    inNetns(this.netns, () => {
      const r = native.ifAddrChange(this.name, false, a.family, a.bytes, a.prefixLen);
      if (r < 0) throw configError('RTM_DELADDR', r, this.name);
    });
  }

  /**
   * Adds a route to `net` through this device (rtnetlink RTM_NEWROUTE, main table, scope link),
   * with an optional MTU, advertised MSS, metric and source. Throws OptionError, RouteExistsError
   * (unless `replace`), RouteRefusedError or PermissionDeniedError.
   */
  addRoute(route: RouteOptions): void {
    this.ensureOpen();
    const r = resolveRoute(route);
    inNetns(this.netns, () => installRoute(this.name, r));
  }

  /** Removes a route added before (matched by network and metric). */
  removeRoute(route: RouteOptions): void {
    this.ensureOpen();
    const r = resolveRoute(route);
    inNetns(this.netns, () => removeRoute(this.name, r));
  }

  /** Counters summed over the queues still owned by this thread. */
  stats(): QueueStats {
    return sumStats(this.queues.map((q) => q.stats()));
  }

  /**
   * Closes every queue: pending reads here and in workers (through the shared
   * eventfd) reject with ClosedError. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    native.eventfdSignal(this.closeFd);
    for (const q of this.queues) q.shutdown(new ClosedError(`device ${this.name}`));
    native.closeFd(this.closeFd);
  }

  // A TUN that is down refuses every write (EIO), so the probe waits for link up.
  private runGroProbe(): void {
    if (!this.groProbePending) return;
    this.groProbePending = false;
    const r = probeGroWrite(this.queues[0]!);
    if (!r.ok) {
      this.groWrites = false;
      this.groProbeErrno = r.errno;
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new ClosedError(`device ${this.name}`);
  }
}

function setMtu(name: string, mtu: number): void {
  const r = native.ifSetMtu(name, mtu);
  if (r < 0) throw configError('SIOCSIFMTU', r, name);
}

function addAddress(name: string, a: InterfaceAddress): void {
  const r = native.ifAddrChange(name, true, a.family, a.bytes, a.prefixLen);
  if (r < 0 && -r !== EEXIST) throw configError(`adding address ${a.text} (RTM_NEWADDR)`, r, name);
}

function configure(name: string, o: Resolved): void {
  if (o.mtu !== undefined) setMtu(name, o.mtu);
  if (o.txQueueLen !== undefined) {
    const r = native.ifSetTxQueueLen(name, o.txQueueLen);
    if (r < 0) throw configError('SIOCSIFTXQLEN', r, name);
  }
  for (const a of o.addresses) addAddress(name, a);
  if (o.up) {
    const r = native.ifSetUp(name, true);
    if (r < 0) throw configError('SIOCSIFFLAGS', r, name);
  }
}
