/** Running synchronous code inside a named network namespace (the `netns` option); shared by tun/ and udp/. */
import { ENOENT, EPERM } from '../errno.js';
import { native } from '../native.js';
import { OptionError, PermissionDeniedError, SyscallError } from '../errors.js';

/** Path of a namespace given by name (as `ip netns` names it) or by path. */
export function netnsPath(ns: string): string {
  // C would see the path only up to the NUL, a different file than the one named.
  if (ns.includes('\0')) throw new OptionError('netns', `${JSON.stringify(ns)} contains a NUL byte`);
  if (ns.includes('/')) return ns;
  if (!/^[A-Za-z0-9_.-]+$/.test(ns)) throw new OptionError('netns', `"${ns}" is not a valid namespace name`);
  return `/var/run/netns/${ns}`;
}

/**
 * Runs `fn` with the calling thread inside namespace `ns` (undefined: stay),
 * then switches back even when `fn` throws. Only the calling thread moves, and
 * `fn` must be synchronous: sockets and TUN fds created inside stay bound to `ns`.
 */
export function inNetns<T>(ns: string | undefined, fn: () => T): T {
  if (ns === undefined) return fn();
  const back = native.netnsEnter(netnsPath(ns));
  if (typeof back === 'number') {
    if (-back === EPERM) throw new PermissionDeniedError(`entering network namespace ${ns}`);
    if (-back === ENOENT) throw new OptionError('netns', `network namespace "${ns}" does not exist (${netnsPath(ns)})`);
    throw new SyscallError('setns', -back, ns);
  }
  try {
    return fn();
  } finally {
    // Returns only once the thread is back: a failed restore aborts the process (native/fd.c).
    native.netnsRestore(back);
  }
}
