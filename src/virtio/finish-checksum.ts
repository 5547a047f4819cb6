// Completing a CHECKSUM_PARTIAL packet: the kernel leaves the folded pseudo-header
// sum in the checksum field and expects the receiver to sum the rest.
import { UDP_CHECKSUM, finish, sum16, writeU16BE } from '../packet/index.js';

/** Completes the checksum at csumStart+csumOffset of the NEEDS_CSUM packet buf[off, off+len); false (no write) if it lies beyond len. */
export function finishChecksum(buf: Uint8Array, off: number, len: number, csumStart: number, csumOffset: number): boolean {
  if (csumStart + csumOffset + 2 > len) return false;
  // The field already holds the pseudo-header sum, so summing from csumStart covers everything.
  let csum = finish(sum16(buf, off + csumStart, len - csumStart));
  // csum_offset 6 is UDP, where a stored 0 would mean "no checksum" (RFC 768);
  // TCP (16) has no such value.
  if (csum === 0 && csumOffset === UDP_CHECKSUM) csum = 0xffff;
  writeU16BE(buf, off + csumStart + csumOffset, csum);
  return true;
}
