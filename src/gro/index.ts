// The coalescer (GRO): TCP and UDP lanes that merge a receive batch into superpackets.
export { Coalescer, MAX_FLOWS_LIMIT, type CoalescerOptions, type CoalescerSink } from './coalescer.js';
export { DEFAULT_MAX_FLOWS, MAX_CHAIN_BYTES, MAX_CHAIN_SEGMENTS } from './constants.js';
export { CoalescerBusyError } from './errors.js';
export { COALESCER_COUNTER_KEYS, type CoalescerStats } from './stats.js';
