/** Offload negotiation: which TUNSETOFFLOAD masks to try, and what an accepted mask means. */
import {
  TUN_F_CSUM, TUN_F_TSO4, TUN_F_TSO6, TUN_F_TSO_ECN, TUN_F_USO4, TUN_F_USO6,
} from './constants.js';

/** What the caller asks for: everything the kernel allows, nothing, or specific offloads. */
export type OffloadOption = 'auto' | 'off' | { tso?: boolean; uso?: boolean };

/** What a device negotiated. */
export interface Capabilities {
  /** Packets carry a virtio_net_hdr (partial checksums and superpackets possible). */
  vnetHdr: boolean;
  /** TCP superpackets (TSO) in both directions. */
  tso: boolean;
  /** UDP superpackets (USO) in both directions. */
  uso: boolean;
}

/** TSO mask: checksum offload plus TCP segmentation for v4, v6 and ECN. */
export const MASK_TSO = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
/** TSO plus UDP segmentation (USO); TUN accepts it from Linux 6.2. */
export const MASK_TSO_USO = MASK_TSO | TUN_F_USO4 | TUN_F_USO6;
/** USO without TSO, for callers that ask for USO alone. */
export const MASK_USO = TUN_F_CSUM | TUN_F_USO4 | TUN_F_USO6;

/** Masks to try in order. `auto` falls back further to a plain TUN when all fail. */
export function offloadCandidates(opt: OffloadOption): number[] {
  if (opt === 'auto') return [MASK_TSO_USO, MASK_TSO];
  if (opt === 'off') return [0];
  const tso = opt.tso ?? false;
  const uso = opt.uso ?? false;
  if (tso && uso) return [MASK_TSO_USO];
  if (tso) return [MASK_TSO];
  if (uso) return [MASK_USO];
  return [0];
}

/** Capabilities implied by an accepted mask. */
export function capabilitiesOf(mask: number, vnetHdr: boolean): Capabilities {
  return {
    vnetHdr,
    tso: vnetHdr && (mask & (TUN_F_TSO4 | TUN_F_TSO6)) === (TUN_F_TSO4 | TUN_F_TSO6),
    uso: vnetHdr && (mask & (TUN_F_USO4 | TUN_F_USO6)) === (TUN_F_USO4 | TUN_F_USO6),
  };
}

/**
 * Runs the negotiation against `trySet` (TUNSETOFFLOAD on the first queue).
 * Returns the accepted mask, or -1 when every candidate was refused.
 */
export function negotiateOffload(opt: OffloadOption, trySet: (mask: number) => number): number {
  for (const mask of offloadCandidates(opt)) {
    if (trySet(mask) === 0) return mask;
  }
  return -1;
}
