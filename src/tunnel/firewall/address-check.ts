// The address pre-checks nebula runs before its rules (docs/PROTOCOL.md "Inner packets and address checks", nebula firewall.go Drop):
// the peer-side address must belong to the peer's certificate, ours to our certificate.
//
// Run this on EVERY packet, before Firewall.filter. Nebula consults conntrack first and so skips
// these checks for tracked flows; tio is stricter so a peer can never ride another peer's flow.
import { readU32BE } from '../../packet/bytes.js';
import type { Direction } from './flow.js';
import { addressSetContains, type AddressSet } from './identity.js';
import { DROP_LOCAL_IP, DROP_NOT_IPV4, DROP_PACKET_SHORT, DROP_REMOTE_IP, type AddressDropReason } from './reasons.js';

/**
 * Checks the inner IPv4 packet buf[off..off+len]. Inbound: source must be a `peer` IP or inside its
 * subnets (`remote IP is not in remote certificate subnets`), destination one of `local`'s (`local IP is
 * not in list of handled local IPs`). Outbound: the same with source and destination swapped.
 * Returns a drop reason or null; never allocates.
 */
export function checkAddresses(
  buf: Uint8Array,
  off: number,
  len: number,
  direction: Direction,
  peer: AddressSet,
  local: AddressSet,
): AddressDropReason | null {
  if (len < 20 || off < 0 || off + len > buf.length) return DROP_PACKET_SHORT;
  if (buf[off] >>> 4 !== 4) return DROP_NOT_IPV4;
  const src = readU32BE(buf, off + 12);
  const dst = readU32BE(buf, off + 16);
  const remote = direction === 'inbound' ? src : dst;
  const ours = direction === 'inbound' ? dst : src;
  if (!addressSetContains(peer, remote)) return DROP_REMOTE_IP;
  if (!addressSetContains(local, ours)) return DROP_LOCAL_IP;
  return null;
}
