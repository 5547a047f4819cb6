// Counters of a Coalescer. After a flush, in = passthrough + chainsWritten + segmentsCoalesced.

/** What a Coalescer has done since it was created. */
export interface CoalescerStats {
  /** Packets offered to add(). */
  packetsIn: number;
  /** Chains written, merged or not (a chain of one is written unchanged). */
  chainsWritten: number;
  /** Chains of two or more packets written as one superpacket. */
  superpackets: number;
  /** Packets appended to another packet's chain (not written on their own). */
  segmentsCoalesced: number;
  /** Packets written as they came: not coalescible, sealing, bad checksum or table full. */
  passthrough: number;
  /** Passthroughs because the L4 (or IPv4 header) checksum did not verify. */
  badChecksum: number;
  /** Passthroughs because every flow slot was taken until the next flush. */
  flowTableFull: number;
  /** Calls to flush(). */
  flushes: number;
  /** Packets the sink refused while flushing (flush rejects with the first error). */
  writeErrors: number;
}

/** Every counter of CoalescerStats, in a fixed order, for copying through shared memory. */
export const COALESCER_COUNTER_KEYS = Object.keys(newCoalescerStats()) as readonly (keyof CoalescerStats)[];

/** A zeroed counter set. */
export function newCoalescerStats(): CoalescerStats {
  return {
    packetsIn: 0, chainsWritten: 0, superpackets: 0, segmentsCoalesced: 0, passthrough: 0,
    badChecksum: 0, flowTableFull: 0, flushes: 0, writeErrors: 0,
  };
}
