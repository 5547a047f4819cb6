// `lighthouse` (docs/PROTOCOL.md "Config keys and defaults", "Lighthouse messages"): the client and,
// with am_lighthouse, the server, and the allow lists (allow-list.ts).
import { parseOverlayIp, parseUnderlay } from '../address.js';
import { DEFAULT_LIGHTHOUSE_INTERVAL_MS, INT32_MAX } from '../defaults.js';
import type { ConfigReader } from '../reader.js';
import { childPath, indexPath } from '../reader.js';
import type { LighthouseConfig, UnderlayAddress } from '../types.js';
import { readLocalAllowList, readRemoteAllowList } from './allow-list.js';
import { unsupported } from './unsupported.js';

const KEYS = ['am_lighthouse', 'hosts', 'interval', 'advertise_addrs', 'remote_allow_list', 'remote_allow_ranges', 'local_allow_list'] as const;
const IGNORED = {
  serve_dns: unsupported('lighthouse DNS'),
  dns: unsupported('lighthouse DNS'),
};

/**
 * Reads `lighthouse`; every host must also be a `static_host_map` key (nebula lighthouse.go parseLighthouses).
 * am_lighthouse needs a fixed listen port (`listenPort`), as nebula's NewLightHouseFromConfig: clients
 * reach the lighthouse at its static_host_map address.
 */
export function readLighthouse(r: ConfigReader, value: unknown, staticHostMap: ReadonlyMap<number, unknown>, listenPort: number): LighthouseConfig {
  const path = 'lighthouse';
  const m = r.map(value, path, KEYS, IGNORED);
  const amLighthouse = r.bool(m, 'am_lighthouse', path, false);
  if (amLighthouse && listenPort === 0) r.fail(childPath(path, 'am_lighthouse'), 'enabled on node but no port number is set in config; set listen.port');
  const hostsPath = childPath(path, 'hosts');
  const hosts = r.list(m.hosts, hostsPath).map((v, i) => {
    const p = indexPath(hostsPath, i);
    const ip = parseOverlayIp(r, v, p);
    if (!staticHostMap.has(ip)) r.fail(p, `lighthouse ${String(v)} has no static_host_map entry; add its underlay address there`);
    return ip;
  });
  // nebula warns and keeps them; a lighthouse never sends updates or queries, so they go unused.
  if (amLighthouse && hosts.length > 0) r.warn(hostsPath, 'am_lighthouse is set: a lighthouse does not use other lighthouses');
  const advPath = childPath(path, 'advertise_addrs');
  const advertiseAddrs: UnderlayAddress[] = r.list(m.advertise_addrs, advPath).map((v, i) => parseUnderlay(r, v, indexPath(advPath, i), 0));
  return {
    amLighthouse,
    hosts,
    intervalMs: r.seconds(m, 'interval', path, DEFAULT_LIGHTHOUSE_INTERVAL_MS, 1, INT32_MAX),
    advertiseAddrs,
    localAllowList: readLocalAllowList(r, m.local_allow_list, childPath(path, 'local_allow_list')),
    remoteAllowList: readRemoteAllowList(r, m.remote_allow_list, childPath(path, 'remote_allow_list'), m.remote_allow_ranges, childPath(path, 'remote_allow_ranges')),
  };
}
