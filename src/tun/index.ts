/** The TUN layer: devices, queues, packets, counters. */
export { TunDevice, type TunOpenOptions } from './device.js';
export { Queue, MAX_BATCH, DEFAULT_RX_BUFFER, type QueueHandle } from './queue.js';
export { Packet, type GsoInfo } from './packet.js';
export { DROP_REASONS, QUEUE_COUNTER_KEYS, type DropReason, type QueueStats } from './counters.js';
export { MASK_TSO, MASK_TSO_USO, MASK_USO, capabilitiesOf, offloadCandidates, negotiateOffload, type Capabilities, type OffloadOption } from './offload.js';
export { checkGsoGeometry, MAX_GSO_BYTES, MAX_GSO_IOVECS, type GsoWriteProto } from './gso-write.js';
export { resolveWriteStrategy, kernelVersion, type WriteStrategy } from './write-strategy.js';
export { parseCidr, type InterfaceAddress } from './cidr.js';
export { resolveRoute, type RouteOptions, type ResolvedRoute } from './route.js';
export { inNetns } from '../io/netns.js';
export * from './constants.js';
