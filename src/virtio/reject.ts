// Why a received packet was dropped; one counter per reason.

/** Every reason a received packet can be rejected, in counter order. */
export const REJECT_REASONS = [
  'rsc-info',
  'too-short',
  'gso-size-zero',
  'ecn-non-tcp',
  'ip-version-mismatch',
  'legacy-ufo',
  'unknown-gso-type',
  'bad-csum-start',
  'bad-l4-header',
  'truncated-header',
] as const;

/** Why a received packet was dropped. */
export type RejectReason = (typeof REJECT_REASONS)[number];
