/**
 * The one errno table of tio: the values the native calls return negated, by
 * name, and a value's name. Values come from Node's os.constants.errno, which
 * on Linux are the kernel's (include/uapi/asm-generic/errno-base.h, errno.h).
 * Import the names (`import { EAGAIN } from '../errno.js'`) or the module
 * (`import * as Errno from '../errno.js'`); never spell an errno as a number.
 */
import { constants } from 'node:os';

const E = constants.errno;

/** Operation not permitted. */
export const EPERM = E.EPERM;
/** No such process; rtnetlink: no such route. */
export const ESRCH = E.ESRCH;
/** Network is down; rtnetlink: the route's device is down. */
export const ENETDOWN = E.ENETDOWN;
/** No such file or directory. */
export const ENOENT = E.ENOENT;
/** I/O error; TUN's answer to a write while the link is down. */
export const EIO = E.EIO;
/** No such device or address. */
export const ENXIO = E.ENXIO;
/** Bad file descriptor. */
export const EBADF = E.EBADF;
/** Try again: a non-blocking fd has no data or no room now. */
export const EAGAIN = E.EAGAIN;
/** Out of memory. */
export const ENOMEM = E.ENOMEM;
/** Permission denied. */
export const EACCES = E.EACCES;
/** Operation already in progress; the loop wait: already on for this thread. */
export const EALREADY = E.EALREADY;
/** Device or resource busy. */
export const EBUSY = E.EBUSY;
/** File exists. */
export const EEXIST = E.EEXIST;
/** No such device. */
export const ENODEV = E.ENODEV;
/** Invalid argument. */
export const EINVAL = E.EINVAL;
/** Function not implemented: a syscall this kernel (or a seccomp filter) does not offer. */
export const ENOSYS = E.ENOSYS;
/** Result out of range. */
export const ERANGE = E.ERANGE;
/** Message too long. */
export const EMSGSIZE = E.EMSGSIZE;
/** Operation not supported. */
export const ENOTSUP = E.ENOTSUP;
/** Address family not supported by protocol. */
export const EAFNOSUPPORT = E.EAFNOSUPPORT;
/** Address already in use. */
export const EADDRINUSE = E.EADDRINUSE;
/** Cannot assign requested address. */
export const EADDRNOTAVAIL = E.EADDRNOTAVAIL;
/** Connection timed out. */
export const ETIMEDOUT = E.ETIMEDOUT;
/**
 * File descriptor in bad state: a TUN queue whose device was deleted
 * (drivers/net/tun.c). Linux's value (include/uapi/asm-generic/errno.h);
 * Node's table lacks it.
 */
export const EBADFD = 77;

// Where names share a value, the last one Node lists wins (11 -> EWOULDBLOCK, 95 -> EOPNOTSUPP),
// as errnoName always said; EBADFD, missing from Node's table, is added.
const NAMES = new Map<number, string>(Object.entries(E).map(([name, value]) => [value, name] as [number, string]));
if (!NAMES.has(EBADFD)) NAMES.set(EBADFD, 'EBADFD');

/** Symbolic name of an errno value, either sign (e.g. 22 or -22 -> "EINVAL"); "E<n>" when unknown. */
export function errnoName(errno: number): string {
  return NAMES.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}
