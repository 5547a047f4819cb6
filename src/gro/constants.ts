// Limits of a coalesced chain and of the flow table.

/** Most segments in one superpacket: the kernel's GSO segment limit for TUN writes (UDP_MAX_SEGMENTS on older kernels; docs/OFFLOADS.md "Coalescing"). */
export const MAX_CHAIN_SEGMENTS = 64;
/** Largest coalesced IP packet: the IPv4 total length is 16 bits; IPv6 keeps the same bound (docs/OFFLOADS.md "Coalescing"). */
export const MAX_CHAIN_BYTES = 65535;
/** Default number of chains held between flushes: one per packet of a full receive batch (MAX_BATCH in src/tun/queue.ts). */
export const DEFAULT_MAX_FLOWS = 64;
/** Initial room for passthrough packets and output entries per flush; grown (doubled) only if a batch needs more. */
export const INITIAL_PENDING = 256;
