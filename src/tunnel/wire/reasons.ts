// Why the wire layer drops a datagram. String constants: zero-allocation to return,
// readable in logs and usable as counter keys.

/** Datagram shorter than a header (includes 1-byte punchy keepalives) (docs/PROTOCOL.md "Header"). */
export const DROP_HEADER_SHORT = 'header-short';
/** Counter already seen, or its window slot is taken (docs/PROTOCOL.md "Replay window"). */
export const DROP_REPLAY_DUPLICATE = 'replay-duplicate';
/** Counter at or below highest-1024: outside the replay window (docs/PROTOCOL.md "Replay window"). */
export const DROP_REPLAY_TOO_OLD = 'replay-too-old';

/** Why the replay window refused a counter. */
export type ReplayDropReason = typeof DROP_REPLAY_DUPLICATE | typeof DROP_REPLAY_TOO_OLD;
/** Every drop reason of the wire layer. */
export type WireDropReason = typeof DROP_HEADER_SHORT | ReplayDropReason;
