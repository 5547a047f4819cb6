/** Choice between writev and a single copied write() for every TUN write. */
import { release } from 'node:os';

/**
 * `writev`: virtio header and packet (or its fragments) gathered by the kernel;
 * `copy`: gathered into a per-queue scratch and sent with one contiguous write().
 */
export type WriteStrategy = 'writev' | 'copy';

/**
 * Linux before 5.4 can use freed memory when a TUN GSO packet arrives through
 * writev with several iovecs (seen on 4.19 LTS: a refcount underflow in
 * tun_chr_write_iter -> skb_set_owner_w), so those kernels get `copy`.
 */
const FIRST_SAFE_WRITEV: readonly [number, number] = [5, 4];

/** Parses "6.18.44-foo" into [6, 18]; [0, 0] when unparsable. */
export function kernelVersion(rel: string = release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/** Resolves 'auto' for the running (or given) kernel release. */
export function resolveWriteStrategy(opt: 'auto' | WriteStrategy, rel?: string): WriteStrategy {
  if (opt !== 'auto') return opt;
  const [major, minor] = kernelVersion(rel);
  const [safeMajor, safeMinor] = FIRST_SAFE_WRITEV;
  return major > safeMajor || (major === safeMajor && minor >= safeMinor) ? 'writev' : 'copy';
}
