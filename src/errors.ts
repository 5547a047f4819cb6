/** Typed errors of tio: every one has a stable `code` and a message that says what to do. */
import { errnoName } from './errno.js';

// Part of the public API since errors.ts first named errnos; the table itself is errno.ts.
export { errnoName };

/** Base class of every error tio throws; `code` is stable and machine-readable. */
export class TioError extends Error {
  /** Stable identifier, e.g. "ERR_TIO_CLOSED". */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The process lacks CAP_NET_ADMIN (not root) for creating or configuring a TUN device. */
export class PermissionDeniedError extends TioError {
  constructor(what: string) {
    super('ERR_TIO_PERMISSION', `${what}: permission denied; run as root or grant CAP_NET_ADMIN (e.g. setcap cap_net_admin+ep $(which node))`);
  }
}

/** /dev/net/tun is missing or unusable. */
export class NoTunDeviceError extends TioError {
  constructor(detail: string) {
    super('ERR_TIO_NO_TUN', `/dev/net/tun is not available (${detail}); load the tun module (modprobe tun) or, in a container, pass the device in (--device /dev/net/tun)`);
  }
}

/** The interface name is taken by a device that cannot be attached to. */
export class NameBusyError extends TioError {
  constructor(name: string) {
    super('ERR_TIO_NAME_BUSY', `interface name "${name}" is in use by another device or by a TUN with other flags; pick another name or delete it (ip link del ${name})`);
  }
}

/** The kernel refused an offload the caller asked for explicitly. */
export class OffloadRefusedError extends TioError {
  constructor(what: string) {
    super('ERR_TIO_OFFLOAD_REFUSED', `the kernel refused ${what}; use offload: 'auto' to fall back, or 'off'`);
  }
}

/** An operation needs an offload this queue did not negotiate (e.g. writeGSO without TSO). */
export class OffloadUnavailableError extends TioError {
  constructor(what: string) {
    super('ERR_TIO_OFFLOAD_UNAVAILABLE', `${what} needs an offload this device did not negotiate; check device.capabilities and segment in software instead`);
  }
}

/** The queue or device is closed; pending and later operations fail with this. */
export class ClosedError extends TioError {
  constructor(what = 'queue') {
    super('ERR_TIO_CLOSED', `${what} is closed`);
  }
}

/** A writeGSO call whose fragments the kernel could not take; rejected before any syscall. */
export class GeometryError extends TioError {
  constructor(detail: string) {
    super('ERR_TIO_BAD_GEOMETRY', `writeGSO: ${detail}`);
  }
}

/** A packet given to write() is not a well-formed IP packet; nothing was sent. */
export class BadPacketError extends TioError {
  constructor(detail: string) {
    super('ERR_TIO_BAD_PACKET', `packet refused: ${detail}`);
  }
}

/** The TUN link is down (or the device is going away): the kernel refuses writes with EIO until device.up(); nothing was sent. */
export class LinkDownError extends TioError {
  constructor(device: string) {
    super('ERR_TIO_LINK_DOWN', `${device} is down: the kernel refuses writes (EIO) until the link is up again (TunDevice.up())`);
  }
}

/** An option passed to tio is invalid; the message names it. */
export class OptionError extends TioError {
  constructor(option: string, detail: string) {
    super('ERR_TIO_BAD_OPTION', `option ${option}: ${detail}`);
  }
}

/** Only one read() may be pending on a queue at a time. */
export class BusyError extends TioError {
  constructor(what: string) {
    super('ERR_TIO_BUSY', `${what} is already pending on this queue; await it first`);
  }
}

/** The kernel took only part of a packet written to a queue: the packet is lost (a TUN write is all or nothing). */
export class ShortWriteError extends TioError {
  constructor(target: string, wrote: number, expected: number) {
    super('ERR_TIO_SHORT_WRITE', `write to ${target} took ${wrote} of ${expected} bytes: the packet was cut and is lost`);
  }
}

/** A route to that network with that metric already exists (rtnetlink EEXIST). */
export class RouteExistsError extends TioError {
  constructor(route: string, device: string) {
    super('ERR_TIO_ROUTE_EXISTS', `a route to ${route} with this metric already exists (adding it through ${device}); remove it (ip route del ${route}), give this one another metric, or pass replace: true`);
  }
}

/** The kernel refused to add, replace or remove a route; the message says why and what to do. */
export class RouteRefusedError extends TioError {
  /** Positive errno value the kernel answered with. */
  readonly errno: number;
  constructor(what: string, errno: number, hint: string) {
    super('ERR_TIO_ROUTE_REFUSED', `${what} refused: ${errnoName(errno)}; ${hint}`);
    this.errno = Math.abs(errno);
  }
}

/** A system call failed for a reason not covered by a more specific error. */
export class SyscallError extends TioError {
  /** Positive errno value. */
  readonly errno: number;
  /** The failing call, e.g. "write". */
  readonly syscall: string;
  constructor(syscall: string, errno: number, target: string) {
    super('ERR_TIO_SYSCALL', `${syscall} on ${target} failed: ${errnoName(errno)}`);
    this.errno = Math.abs(errno);
    this.syscall = syscall;
  }
}
