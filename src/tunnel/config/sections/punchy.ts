// `punchy` (docs/PROTOCOL.md "Config keys and defaults", nebula punchy.go): punch/respond/delay, plus the legacy forms
// nebula still reads: top-level `punchy: <bool>` for punch and top-level `punch_back` for respond.
import { DEFAULT_PUNCHY_DELAY_MS } from '../defaults.js';
import type { ConfigMap, ConfigReader } from '../reader.js';
import { isMap, show, toBool } from '../reader.js';
import type { PunchyConfig } from '../types.js';

const KEYS = ['punch', 'respond', 'delay'] as const;

/** Reads `punchy` and the legacy top-level `punch_back` from the root map. */
export function readPunchy(r: ConfigReader, root: ConfigMap): PunchyConfig {
  const raw = root.punchy;
  let m: ConfigMap = {};
  let legacyPunch: boolean | null = null;
  if (raw !== undefined && raw !== null && !isMap(raw)) {
    legacyPunch = toBool(raw);
    if (legacyPunch === null) r.fail('punchy', `must be a map (punch, respond, delay) or, in the legacy form, true or false; got ${show(raw)}`);
    r.warn('punchy', 'legacy form "punchy: <bool>"; write punchy.punch instead');
  } else {
    m = r.map(raw, 'punchy', KEYS);
  }
  let respond = r.bool(m, 'respond', 'punchy', false);
  if (m.respond === undefined || m.respond === null) {
    respond = r.bool(root, 'punch_back', '', false);
    if (root.punch_back !== undefined) r.warn('punch_back', 'legacy key; write punchy.respond instead');
  }
  return {
    punch: legacyPunch ?? r.bool(m, 'punch', 'punchy', false),
    respond,
    delayMs: r.duration(m, 'delay', 'punchy', DEFAULT_PUNCHY_DELAY_MS, true),
  };
}
