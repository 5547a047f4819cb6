/**
 * The counters a routine keeps current for main in one shared Float64Array
 * (docs/ARCHITECTURE.md "Threads and queues"): its data plane's NodeStats,
 * then its TUN queue's, UDP socket's and coalescer's counters. The routine
 * writes them all in one publish (about 1 Hz, and when something changed), so
 * one routine's figures agree with each other; main adds them to its own.
 */
import { COALESCER_COUNTER_KEYS, type CoalescerStats } from '../../gro/index.js';
import { DROP_REASONS, QUEUE_COUNTER_KEYS, type QueueStats } from '../../tun/index.js';
import { UDP_COUNTER_KEYS, type UdpStats } from '../../udp/index.js';
import { NODE_STATS_SLOTS, type NodeStats } from './stats.js';

// Where each part starts: NodeStats.writeTo fills [0, NODE_STATS_SLOTS).
const TUN_AT = NODE_STATS_SLOTS;
const UDP_AT = TUN_AT + QUEUE_COUNTER_KEYS.length + DROP_REASONS.length;
const GRO_AT = UDP_AT + UDP_COUNTER_KEYS.length;

/** Numbers in a routine's shared counter array. */
export const THREAD_COUNTER_SLOTS = GRO_AT + COALESCER_COUNTER_KEYS.length;

/** The I/O counters of one thread's data plane (or of several, summed). */
export interface IoCounters {
  tun: QueueStats;
  udp: UdpStats;
  gro: CoalescerStats;
}

/** Writes a thread's counters into a (THREAD_COUNTER_SLOTS numbers). */
export function writeThreadCounters(a: Float64Array, node: NodeStats, io: Readonly<IoCounters>): void {
  node.writeTo(a, 0);
  let i = TUN_AT;
  for (const k of QUEUE_COUNTER_KEYS) a[i++] = io.tun[k];
  for (const r of DROP_REASONS) a[i++] = io.tun.drops[r];
  for (const k of UDP_COUNTER_KEYS) a[i++] = io.udp[k];
  for (const k of COALESCER_COUNTER_KEYS) a[i++] = io.gro[k];
}

/** Adds the I/O counters in a (written by writeThreadCounters) to into's objects; NodeStats.addFrom(a) reads the rest. */
export function addThreadIo(a: Float64Array, into: IoCounters): void {
  let i = TUN_AT;
  for (const k of QUEUE_COUNTER_KEYS) into.tun[k] += a[i++]!;
  for (const r of DROP_REASONS) into.tun.drops[r] += a[i++]!;
  for (const k of UDP_COUNTER_KEYS) into.udp[k] += a[i++]!;
  for (const k of COALESCER_COUNTER_KEYS) into.gro[k] += a[i++]!;
}
