// `listen`: the underlay UDP socket (docs/PROTOCOL.md "recv_error", "Config keys and defaults").
import type { SendRecvErrorMode } from '../../wire/recv-error.js';
import { parseBindHost } from '../address.js';
import { DEFAULT_LISTEN_BATCH, LISTEN_BATCH_MAX, DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT, DEFAULT_SEND_RECV_ERROR, INT32_MAX } from '../defaults.js';
import type { ConfigMap, ConfigReader } from '../reader.js';
import { childPath, show, toBool } from '../reader.js';
import type { ListenConfig } from '../types.js';

/** Keys read here; `routines` is the legacy queue count, read by readRoutines. */
export const LISTEN_KEYS = ['host', 'port', 'batch', 'read_buffer', 'write_buffer', 'send_recv_error', 'routines'] as const;

/** `send_recv_error`: always/never/private, or a boolean as nebula's fallback reads it (true = always). */
function sendRecvError(r: ConfigReader, m: ConfigMap, path: string): SendRecvErrorMode {
  const v = m.send_recv_error;
  if (v === undefined || v === null) return DEFAULT_SEND_RECV_ERROR;
  if (v === 'always' || v === 'never' || v === 'private') return v;
  const b = toBool(v);
  if (b === null) r.fail(childPath(path, 'send_recv_error'), `must be always, never or private, got ${show(v)}`);
  return b ? 'always' : 'never';
}

/** Reads `listen`. */
export function readListen(r: ConfigReader, value: unknown): ListenConfig {
  const path = 'listen';
  const m = r.map(value, path, LISTEN_KEYS);
  return {
    host: m.host === undefined || m.host === null ? DEFAULT_LISTEN_HOST : parseBindHost(r, m.host, childPath(path, 'host')),
    port: r.int(m, 'port', path, DEFAULT_LISTEN_PORT, 0, 65535),
    // recvmmsg batches of at most 64 messages (RECV_BATCH_MAX), each up to a 64-datagram GRO run.
    batch: r.int(m, 'batch', path, DEFAULT_LISTEN_BATCH, 1, LISTEN_BATCH_MAX),
    readBuffer: r.int(m, 'read_buffer', path, 0, 0, INT32_MAX),
    writeBuffer: r.int(m, 'write_buffer', path, 0, 0, INT32_MAX),
    sendRecvError: sendRecvError(r, m, path),
  };
}
