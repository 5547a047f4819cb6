// `static_host_map`: overlay IP -> underlay endpoints, a list or a single string
// (docs/PROTOCOL.md "Config keys and defaults"; nebula lighthouse.go loadStaticMap). Whether each overlay IP is inside our
// certificate network is checked later, by checkConfigAgainstNetwork, once the certificate is known.
import { parseOverlayIp, parseUnderlay } from '../address.js';
import type { ConfigReader } from '../reader.js';
import { childPath, indexPath, isMap, show } from '../reader.js';
import type { UnderlayAddress } from '../types.js';

/** Reads `static_host_map`. */
export function readStaticHostMap(r: ConfigReader, value: unknown): Map<number, UnderlayAddress[]> {
  const out = new Map<number, UnderlayAddress[]>();
  if (value === undefined || value === null) return out;
  if (!isMap(value)) r.fail('static_host_map', `must be a map of "overlay ip": ["ip:port", ...], got ${show(value)}`);
  for (const [key, raw] of Object.entries(value)) {
    const path = childPath('static_host_map', key);
    const vpnIp = parseOverlayIp(r, key, path);
    if (out.has(vpnIp)) r.fail(path, 'this overlay address is listed twice');
    const entries = Array.isArray(raw) ? raw : raw === null || raw === undefined ? [] : [raw];
    const addrs = entries.map((v, i) => parseUnderlay(r, v, Array.isArray(raw) ? indexPath(path, i) : path));
    if (addrs.length === 0) r.warn(path, 'no underlay addresses: this host cannot be reached');
    out.set(vpnIp, addrs);
  }
  return out;
}
