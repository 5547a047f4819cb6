// recv_error (type 2): an unencrypted bare header that tells the sender "I have no tunnel
// for this index" or "that counter failed my replay check" (docs/PROTOCOL.md "recv_error").
import { isIPv4, isIPv6 } from 'node:net';
import {
  HEADER_LEN,
  SUBTYPE_NONE,
  TYPE_CLOSE_TUNNEL,
  TYPE_CONTROL,
  TYPE_LIGHTHOUSE,
  TYPE_MESSAGE,
  TYPE_RECV_ERROR,
  TYPE_TEST,
} from './constants.js';
import { encodeHeader } from './header.js';

/** Length of a recv_error packet: the header alone (docs/PROTOCOL.md "recv_error"). */
export const RECV_ERROR_LEN = HEADER_LEN;

/** When to answer with recv_error, as `listen.send_recv_error` (docs/PROTOCOL.md "recv_error", "Config keys and defaults"). */
export type SendRecvErrorMode = 'always' | 'never' | 'private';

/**
 * Writes a recv_error at buf[off..off+16] and returns off + 16. `remoteIndex` is copied from the
 * offending packet's header; the counter is 0 (docs/PROTOCOL.md "Header" capture `12 00 0000 <idx> 0…0`).
 */
export function encodeRecvError(buf: Uint8Array, off: number, remoteIndex: number): number {
  return encodeHeader(buf, off, TYPE_RECV_ERROR, SUBTYPE_NONE, remoteIndex, 0);
}

/** A fresh 16-byte recv_error packet for `remoteIndex` (allocates; for the rare error path). */
export function recvErrorPacket(remoteIndex: number): Uint8Array {
  const out = new Uint8Array(RECV_ERROR_LEN);
  encodeRecvError(out, 0, remoteIndex);
  return out;
}

/**
 * Whether a packet of this type is encrypted on a tunnel, so an unknown index or a failed replay
 * check gets a recv_error: types 1, 3, 4, 5, 6; never handshakes or recv_error itself (docs/PROTOCOL.md "recv_error").
 */
export function isTunnelType(type: number): boolean {
  return (
    type === TYPE_MESSAGE ||
    type === TYPE_LIGHTHOUSE ||
    type === TYPE_TEST ||
    type === TYPE_CLOSE_TUNNEL ||
    type === TYPE_CONTROL
  );
}

/**
 * Whether `listen.send_recv_error` allows a recv_error to the underlay `address` (an IP literal).
 * 'private' follows Go's net.IP.IsPrivate, which nebula uses: 10/8, 172.16/12, 192.168/16, fc00::/7
 * (docs/PROTOCOL.md "recv_error"; IPv4-mapped IPv6 counts as IPv4).
 */
export function shouldSendRecvError(mode: SendRecvErrorMode, address: string): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  return isPrivateAddress(address);
}

/** Go net.IP.IsPrivate for an IP literal; false for anything that is not one. */
export function isPrivateAddress(address: string): boolean {
  let text = address;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  if (mapped) text = mapped[1] as string;
  if (isIPv4(text)) {
    const [a, b] = text.split('.').map(Number) as [number, number];
    return a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168);
  }
  if (isIPv6(text)) {
    const first = parseInt(text.split(':')[0] || '0', 16);
    return (first & 0xfe00) === 0xfc00;
  }
  return false;
}
