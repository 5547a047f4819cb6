/** Options of UdpSocket.open, validated into a complete, plain object. */
import { OptionError } from '../errors.js';
import { GRO_SLOT_BYTES, RECV_BATCH_MAX } from './constants.js';
import { ipBytes, ipFamily } from '../packet/ip-text.js';

/** What UdpSocket.open accepts. */
export interface UdpSocketOptions {
  /** Local IP literal to bind (default "0.0.0.0"); an IPv6 one ("::", "fd00::1") opens an IPv6 socket (see dualStack). */
  host?: string;
  /**
   * With host "::": also carry IPv4 (IPV6_V6ONLY 0; IPv4 peers are Endpoints of family 4 both ways,
   * as nebula's `listen.host: "[::]"` behaves). Default true for "::", and only "::" may set it.
   */
  dualStack?: boolean;
  /** Local port (default 0: the kernel picks one; see socket.port). */
  port?: number;
  /** SO_REUSEPORT, so one socket per worker can share the port (default false). Every sharer must set it. */
  reusePort?: boolean;
  /** UDP_GRO on receive: 'auto' (default) uses it when the kernel accepts it, 'off' never. */
  gro?: 'auto' | 'off';
  /** UDP_SEGMENT on send: 'auto' (default) uses it when the kernel knows it, 'off' sends one datagram per message entry. */
  gso?: 'auto' | 'off';
  /** SO_RCVBUF and SO_SNDBUF request in bytes (default 4 MiB; root may exceed net.core.*mem_max); 0 keeps the kernel default. */
  bufferBytes?: number;
  /** SO_RCVBUF alone, overriding bufferBytes for receives (nebula's listen.read_buffer). */
  receiveBufferBytes?: number;
  /** SO_SNDBUF alone, overriding bufferBytes for sends (nebula's listen.write_buffer). */
  sendBufferBytes?: number;
  /** Messages per recvmmsg, 1..64 (default 64). */
  batchMessages?: number;
  /** Receive slot per message (default and minimum with GRO: 65536, which holds any datagram or GRO message). */
  slotBytes?: number;
  /** Network namespace (name as `ip netns` knows it, or a path) to open the socket in; it stays there. */
  netns?: string;
}

/** Validated options. */
export interface ResolvedUdpOptions {
  family: 4 | 6;
  addr: Uint8Array;
  host: string;
  port: number;
  dualStack: boolean;
  reusePort: boolean;
  gro: 'auto' | 'off';
  gso: 'auto' | 'off';
  receiveBufferBytes: number;
  sendBufferBytes: number;
  batchMessages: number;
  slotBytes: number;
  netns: string | undefined;
}

/** Default socket buffers: about 2700 full-size datagrams, enough to ride out a busy event loop turn at Gbit/s. */
export const DEFAULT_BUFFER_BYTES = 4 << 20;

/** Checks every option and fills in defaults; throws OptionError naming the bad one. */
export function resolveUdpOptions(o: UdpSocketOptions): ResolvedUdpOptions {
  const host = o.host ?? '0.0.0.0';
  const family = ipFamily(host);
  if (family === 0) throw new OptionError('host', `"${host}" is not an IPv4 or IPv6 address (bind to an IP literal)`);
  if (host.includes('%')) throw new OptionError('host', `"${host}": binding to a scoped IPv6 address is not supported`);
  const unspecified6 = family === 6 && ipBytes(host, 6).every((b) => b === 0);
  const dualStack = o.dualStack ?? unspecified6;
  if (typeof dualStack !== 'boolean') throw new OptionError('dualStack', `${String(dualStack)} must be true or false`);
  if (dualStack && !unspecified6) throw new OptionError('dualStack', `only a socket bound to "::" can carry IPv4 too, not one bound to "${host}"`);
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OptionError('port', `${port} must be an integer 0..65535`);
  const gro = o.gro ?? 'auto';
  if (gro !== 'auto' && gro !== 'off') throw new OptionError('gro', `${String(gro)} must be 'auto' or 'off'`);
  const gso = o.gso ?? 'auto';
  if (gso !== 'auto' && gso !== 'off') throw new OptionError('gso', `${String(gso)} must be 'auto' or 'off'`);
  const bufferBytes = bytesOption('bufferBytes', o.bufferBytes, DEFAULT_BUFFER_BYTES);
  const receiveBufferBytes = bytesOption('receiveBufferBytes', o.receiveBufferBytes, bufferBytes);
  const sendBufferBytes = bytesOption('sendBufferBytes', o.sendBufferBytes, bufferBytes);
  const batchMessages = o.batchMessages ?? RECV_BATCH_MAX;
  if (!Number.isInteger(batchMessages) || batchMessages < 1 || batchMessages > RECV_BATCH_MAX) {
    throw new OptionError('batchMessages', `${batchMessages} must be an integer 1..${RECV_BATCH_MAX}`);
  }
  const slotBytes = o.slotBytes ?? GRO_SLOT_BYTES;
  if (!Number.isInteger(slotBytes) || slotBytes < 1 || slotBytes > GRO_SLOT_BYTES) {
    throw new OptionError('slotBytes', `${slotBytes} must be an integer 1..${GRO_SLOT_BYTES}`);
  }
  return {
    family, addr: ipBytes(host, family), host, port, dualStack, reusePort: o.reusePort ?? false, gro, gso, receiveBufferBytes, sendBufferBytes,
    batchMessages, slotBytes, netns: o.netns,
  };
}

function bytesOption(name: string, v: number | undefined, dflt: number): number {
  const n = v ?? dflt;
  if (!Number.isInteger(n) || n < 0 || n > 0x3fffffff) throw new OptionError(name, `${n} must be an integer 0..2^30-1`);
  return n;
}
