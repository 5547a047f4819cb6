// Nebula 1.6.1 options tio knows about but does not implement: loading them warns with this text
// instead of the generic "unknown key" (the key names come from the 1.6.1 source's config reads).

/** Warning for a nebula feature tio lacks. */
export function unsupported(feature: string): string {
  return `nebula option not supported by tio (${feature}); ignored`;
}

/** Top-level keys nebula 1.6.1 reads that tio ignores. */
export const IGNORED_TOP_LEVEL: Readonly<Record<string, string>> = {
  sshd: unsupported('debug ssh server'),
  stats: unsupported('metrics export'),
  preferred_ranges: unsupported('local path preference needs lighthouses'),
  local_range: unsupported('deprecated preferred_ranges'),
  handshake_mac: unsupported('handshake MACs'),
  promoter: unsupported('remote promotion'),
};
