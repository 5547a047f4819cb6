// `lighthouse` (docs/PROTOCOL.md "Config keys and defaults"): read so configs validate, but tio has no lighthouse mode;
// peers come from static_host_map only.
import { parseOverlayIp } from '../address.js';
import { DEFAULT_LIGHTHOUSE_INTERVAL_MS, INT32_MAX } from '../defaults.js';
import type { ConfigReader } from '../reader.js';
import { childPath, indexPath } from '../reader.js';
import type { LighthouseConfig } from '../types.js';
import { unsupported } from './unsupported.js';

const KEYS = ['am_lighthouse', 'hosts', 'interval'] as const;
const IGNORED = {
  serve_dns: unsupported('lighthouse DNS'),
  dns: unsupported('lighthouse DNS'),
  remote_allow_list: unsupported('remote allow lists need lighthouses'),
  remote_allow_ranges: unsupported('remote allow lists need lighthouses'),
  local_allow_list: unsupported('address advertising needs lighthouses'),
  advertise_addrs: unsupported('address advertising needs lighthouses'),
};

/** Reads `lighthouse`, warning that lighthouse mode is unsupported when it is asked for. */
export function readLighthouse(r: ConfigReader, value: unknown): LighthouseConfig {
  const path = 'lighthouse';
  const m = r.map(value, path, KEYS, IGNORED);
  const amLighthouse = r.bool(m, 'am_lighthouse', path, false);
  const hostsPath = childPath(path, 'hosts');
  const hosts = r.list(m.hosts, hostsPath).map((v, i) => parseOverlayIp(r, v, indexPath(hostsPath, i)));
  if (amLighthouse) r.warn('lighthouse.am_lighthouse', 'lighthouse mode is unsupported by tio; this node runs as a plain node');
  if (hosts.length > 0) r.warn('lighthouse.hosts', 'lighthouse mode is unsupported by tio; these lighthouses are not contacted, peers come from static_host_map only');
  return {
    amLighthouse,
    hosts,
    intervalMs: r.seconds(m, 'interval', path, DEFAULT_LIGHTHOUSE_INTERVAL_MS, 1, INT32_MAX),
  };
}
