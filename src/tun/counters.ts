/** Per-queue counters; a snapshot is a plain object (cheap to log or send between threads). */
import { REJECT_REASONS, type RejectReason } from '../virtio/index.js';

/** Why the TUN layer dropped a received packet: a virtio rejection, or a bad IP version on a plain queue. */
export type DropReason = RejectReason | 'bad-ip-version';

/** Every drop reason, for building counter tables. */
export const DROP_REASONS: readonly DropReason[] = [...REJECT_REASONS, 'bad-ip-version'];

/** A snapshot of one queue's (or a device's summed) counters. */
export interface QueueStats {
  /** Packets handed to the reader (superpackets count once). */
  rxPackets: number;
  /** Bytes of those packets (IP header onwards). */
  rxBytes: number;
  /** Received TSO/USO superpackets. */
  rxSuperpackets: number;
  /** Bytes of those superpackets (IP header onwards). */
  rxSuperpacketBytes: number;
  /** Wire-sized segments those superpackets hold (payload / gso_size, rounded up). */
  rxSuperpacketSegments: number;
  /** Non-empty read batches. */
  rxBatches: number;
  /** Reads issued through io_uring rounds (native/uring.c), each a packet or an empty queue; 0 when every read was a readv. */
  rxRingReads: number;
  /** Packets written (a GSO write counts once). */
  txPackets: number;
  /** Bytes written, virtio header excluded. */
  txBytes: number;
  /** GSO writes carrying more than one segment. */
  txSuperpackets: number;
  /** Bytes of those writes, virtio header excluded. */
  txSuperpacketBytes: number;
  /** Writes that had to wait for the queue to become writable. */
  txWaits: number;
  /** Writes refused by validation or the kernel. */
  txErrors: number;
  /** Received packets dropped, by reason. */
  drops: Record<DropReason, number>;
}

/** Mutable counters owned by a queue. */
export class Counters implements QueueStats {
  rxPackets = 0;
  rxBytes = 0;
  rxSuperpackets = 0;
  rxSuperpacketBytes = 0;
  rxSuperpacketSegments = 0;
  rxBatches = 0;
  rxRingReads = 0;
  txPackets = 0;
  txBytes = 0;
  txSuperpackets = 0;
  txSuperpacketBytes = 0;
  txWaits = 0;
  txErrors = 0;
  drops = emptyDrops();

  /** A detached copy. */
  snapshot(): QueueStats {
    return { ...this, drops: { ...this.drops } };
  }
}

/** Every plain counter of QueueStats, in a fixed order (drops follow in DROP_REASONS order), for copying through shared memory. */
export const QUEUE_COUNTER_KEYS = Object.keys(new Counters()).filter((k) => k !== 'drops') as readonly Exclude<keyof QueueStats, 'drops'>[];

/** A drop table with every reason at zero. */
export function emptyDrops(): Record<DropReason, number> {
  const d = {} as Record<DropReason, number>;
  for (const r of DROP_REASONS) d[r] = 0;
  return d;
}

/** Sums snapshots (e.g. all queues of a device). */
export function sumStats(all: readonly QueueStats[]): QueueStats {
  const total = new Counters().snapshot();
  for (const s of all) {
    for (const k of QUEUE_COUNTER_KEYS) total[k] += s[k];
    for (const r of DROP_REASONS) total.drops[r] += s.drops[r];
  }
  return total;
}
