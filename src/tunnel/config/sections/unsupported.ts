// Nebula 1.6.1 options tio knows about but does not implement (the key names come from the 1.6.1
// source's config reads). Nothing is accepted and then ignored: a key that would change what the
// node does is refused while it is switched on (a ConfigError naming it); one that is off or empty
// changes nothing and passes. Pure tuning knobs, which change no behaviour, are warned about.

/** A nebula option tio lacks: what it is, and whether it only tunes performance. */
export interface Unsupported {
  /** The feature, as the message names it. */
  readonly feature: string;
  /** True for a knob that changes no behaviour (warned about, never refused). */
  readonly tuning: boolean;
}

/** A nebula feature tio lacks: refused while switched on. */
export function unsupported(feature: string): Unsupported {
  return { feature, tuning: false };
}

/** A nebula tuning knob tio has no counterpart for: warned about, otherwise harmless. */
export function unsupportedTuning(feature: string): Unsupported {
  return { feature, tuning: true };
}

/** The warning for a tuning knob. */
export function tuningWarning(u: Unsupported): string {
  return `nebula option not supported by tio (${u.feature}); it changes no behaviour, ignored`;
}

/** The error for a feature that is switched on. */
export function refusal(u: Unsupported): string {
  return `nebula option not supported by tio (${u.feature}); remove it or switch it off (tio runs without it)`;
}

/**
 * True when a value switches its feature on: anything but absent, null, false, 0, "", an empty
 * list or an empty map; a map with `enabled: false` is off whatever else it holds (sshd).
 */
export function switchedOn(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.some(switchedOn);
  if (typeof v === 'object') {
    const m = v as Record<string, unknown>;
    if ('enabled' in m) return switchedOn(m.enabled);
    return Object.values(m).some(switchedOn);
  }
  return true;
}

/** Top-level keys nebula 1.6.1 reads that tio does not implement. */
export const IGNORED_TOP_LEVEL: Readonly<Record<string, Unsupported>> = {
  sshd: unsupported('debug ssh server'),
  preferred_ranges: unsupported('preferred local ranges for choosing among a peer\'s addresses'),
  local_range: unsupported('deprecated preferred_ranges'),
  handshake_mac: unsupported('handshake MACs'),
  promoter: unsupportedTuning('remote promotion interval'),
};
