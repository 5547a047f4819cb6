// Independent checks of finished checksums, built only on the plain RFC 1071
// reference sum (never on the fast path under test).
import { checksumReference } from '../../src/packet/index.js';

/** True when the L4 checksum of the IP packet buf[off, off+len) with L4 header at l4Off verifies. */
export function l4ChecksumVerifies(buf: Uint8Array, off: number, len: number, l4Off: number, proto: number): boolean {
  const version = buf[off]! >>> 4;
  const l4Len = len - l4Off;
  // Pseudo-header: addresses, protocol, L4 length (RFC 793 / RFC 8200 section 8.1).
  const addrs = version === 4 ? checksumReference(buf, off + 12, 8) : checksumReference(buf, off + 8, 32);
  const pseudo = addrs + proto + (l4Len >>> 16) + (l4Len & 0xffff);
  return checksumReference(buf, off + l4Off, l4Len, pseudo) === 0xffff;
}

/** True when the IPv4 header checksum verifies. */
export function ipv4HeaderVerifies(buf: Uint8Array, off: number): boolean {
  return checksumReference(buf, off, (buf[off]! & 0x0f) * 4) === 0xffff;
}
