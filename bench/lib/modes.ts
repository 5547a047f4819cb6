// The forwarding benchmark's modes as data: adding a mode is one row here
// (plus, for a new TS mode, the matching --mode in ts-forwarder.ts).

/** Which forwarder binary runs a mode. */
export type Impl = 'ts' | 'c';

/** One benchmark mode: a forwarder implementation and the mode argument it gets. */
export interface ModeSpec {
  /** Name used in --modes, the table and the JSON line. */
  readonly name: string;
  /** ts: bench/ts-forwarder.ts on the tio library; c: bench/ref/forward.c. */
  readonly impl: Impl;
  /** Passed as `--mode` (ts) or `--offload` (c). */
  readonly arg: string;
}

/** Every mode, in the order they run and print. */
export const MODES: readonly ModeSpec[] = [
  { name: 'ts_offload', impl: 'ts', arg: 'offload' },
  { name: 'ts_plain', impl: 'ts', arg: 'plain' },
  // Offloads on, but every superpacket is segmented and coalesced again in TS (gso/ + gro/).
  { name: 'ts_segment', impl: 'ts', arg: 'segment' },
  { name: 'c_offload', impl: 'c', arg: '1' },
  { name: 'c_plain', impl: 'c', arg: '0' },
];
