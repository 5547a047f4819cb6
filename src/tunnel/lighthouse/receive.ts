// What both lighthouse roles do first with a message that authenticated on its
// tunnel: decode it, or count and log it as malformed and go on.
import type { Logger } from '../log/logger.js';
import { u32ToIpv4 } from './addresses.js';
import { MetaError } from './errors.js';
import { decodeMeta, type NebulaMeta } from './meta.js';

/**
 * The NebulaMeta in buf[off, off+len) from the member with overlay address
 * `from`, or null when it does not decode: then stats.malformed is counted and
 * the drop logged at debug. An error other than MetaError is a bug, thrown.
 */
export function decodeOrDrop(buf: Uint8Array, off: number, len: number, from: number, stats: { malformed: number }, log: Logger): NebulaMeta | null {
  try {
    return decodeMeta(buf, off, off + len);
  } catch (e) {
    if (!(e instanceof MetaError)) throw e;
    stats.malformed++;
    log.debug('Dropped a lighthouse message', { vpnIp: u32ToIpv4(from), error: e.message });
    return null;
  }
}
