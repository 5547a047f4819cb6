// `tun` (docs/PROTOCOL.md "Config keys and defaults"; nebula overlay/tun.go, overlay/route.go) and the queue count.
// Whether routes lie inside (routes) or outside (unsafe_routes) the certificate network is checked
// later, by checkConfigAgainstNetwork, once the certificate is known.
import { MAX_QUEUES } from '../../../tun/constants.js';
import { parseIpv4Cidr } from '../../firewall/ipv4.js';
import { parseOverlayIp } from '../address.js';
import {
  DEFAULT_ROUTINES,
  DEFAULT_TUN_MTU,
  DEFAULT_TUN_TX_QUEUE,
  IFNAME_MAX,
  INT32_MAX,
  MTU_MAX,
  MTU_MIN,
  MTU_NEBULA_SAFE_MAX,
  ROUTE_MTU_MIN,
} from '../defaults.js';
import type { ConfigMap, ConfigReader } from '../reader.js';
import { childPath, indexPath, isMap, show } from '../reader.js';
import type { TunConfig, TunRoute, UnsafeRoute } from '../types.js';

const KEYS = ['dev', 'mtu', 'tx_queue', 'routes', 'unsafe_routes', 'disabled', 'drop_local_broadcast', 'drop_multicast', 'routines'] as const;

/** An IPv4 CIDR under `key` of a route entry; required. */
function routeCidr(r: ConfigReader, m: ConfigMap, path: string) {
  const p = childPath(path, 'route');
  if (m.route === undefined || m.route === null) r.fail(p, 'required: a network like 10.0.0.0/24');
  const net = parseIpv4Cidr(r.stringValue(m.route, p).trim());
  if (net === null) r.fail(p, `must be an IPv4 network like 10.0.0.0/24, got ${show(m.route)}`);
  return net;
}

/** A route entry as a map with only `known` keys. */
function entry(r: ConfigReader, v: unknown, path: string, known: readonly string[]): ConfigMap {
  if (!isMap(v)) r.fail(path, `must be a map, got ${show(v)}`);
  return r.map(v, path, known);
}

/** `tun.routes`: {mtu (required, >= 500), route}. */
function readRoutes(r: ConfigReader, m: ConfigMap): TunRoute[] {
  const path = 'tun.routes';
  return r.list(m.routes, path).map((v, i) => {
    const p = indexPath(path, i);
    const e = entry(r, v, p, ['mtu', 'route']);
    if (e.mtu === undefined || e.mtu === null) r.fail(childPath(p, 'mtu'), `required: an integer ${ROUTE_MTU_MIN}..${MTU_MAX}`);
    return { mtu: r.int(e, 'mtu', p, 0, ROUTE_MTU_MIN, MTU_MAX), route: routeCidr(r, e, p) };
  });
}

/**
 * `tun.unsafe_routes`: {route, via, mtu (0/absent: no route MTU, the device's applies; else >= 500),
 * metric, install}. `install` is a key of later nebula releases; 1.6.1 ignores it and installs every
 * route (docs/PROTOCOL.md "Unsafe routes"), so setting it warns.
 */
function readUnsafeRoutes(r: ConfigReader, m: ConfigMap): UnsafeRoute[] {
  const path = 'tun.unsafe_routes';
  return r.list(m.unsafe_routes, path).map((v, i) => {
    const p = indexPath(path, i);
    const e = entry(r, v, p, ['route', 'via', 'mtu', 'metric', 'install']);
    const route = routeCidr(r, e, p);
    if (e.via === undefined || e.via === null) r.fail(childPath(p, 'via'), 'required: the overlay IP of the host that routes this network');
    const via = parseOverlayIp(r, e.via, childPath(p, 'via'));
    const mtu = r.int(e, 'mtu', p, 0, 0, MTU_MAX);
    if (mtu !== 0 && mtu < ROUTE_MTU_MIN) r.fail(childPath(p, 'mtu'), `must be 0 (tun.mtu) or ${ROUTE_MTU_MIN}..${MTU_MAX}, got ${show(e.mtu)}`);
    const install = r.bool(e, 'install', p, true);
    if (e.install !== undefined && e.install !== null) {
      r.warn(childPath(p, 'install'), 'nebula 1.6.1 ignores this key and installs the route anyway; tio follows later nebula releases');
    }
    return { route, via, mtu, metric: r.int(e, 'metric', p, 0, 0, INT32_MAX), install };
  });
}

/** Reads `tun`. */
export function readTun(r: ConfigReader, value: unknown): TunConfig {
  const path = 'tun';
  const m = r.map(value, path, KEYS);
  const dev = r.string(m, 'dev', path, null);
  if (dev !== null && (dev.length > IFNAME_MAX || /[\s/:]/.test(dev))) {
    r.fail('tun.dev', `must be an interface name of at most ${IFNAME_MAX} characters without spaces, "/" or ":", got ${show(dev)}`);
  }
  const mtu = r.int(m, 'mtu', path, DEFAULT_TUN_MTU, MTU_MIN, MTU_MAX);
  if (mtu > MTU_NEBULA_SAFE_MAX) {
    r.warn('tun.mtu', `${mtu} + 32 bytes of overhead exceeds the 9001-byte datagrams nebula receives; nebula peers would drop full-size packets`);
  }
  const disabled = r.bool(m, 'disabled', path, false);
  // nebula runs without a device then (a lighthouse or relay that carries no traffic of its own);
  // tio always opens one, so asking for none is refused rather than quietly overridden.
  if (disabled) r.fail(childPath(path, 'disabled'), 'tio always creates its TUN device; remove the key or set it to false');
  return {
    dev,
    mtu,
    txQueue: r.int(m, 'tx_queue', path, DEFAULT_TUN_TX_QUEUE, 0, INT32_MAX),
    routes: readRoutes(r, m),
    unsafeRoutes: readUnsafeRoutes(r, m),
    disabled,
    dropLocalBroadcast: r.bool(m, 'drop_local_broadcast', path, false),
    dropMulticast: r.bool(m, 'drop_multicast', path, false),
  };
}

/**
 * The queue count: top-level `routines` when set and non-zero (nebula main.go), else the larger of
 * `tun.routines` and `listen.routines` (nebula's deprecated keys, also tio's per-section spelling).
 */
export function readRoutines(r: ConfigReader, root: ConfigMap): number {
  const top = r.int(root, 'routines', '', 0, 0, MAX_QUEUES);
  if (top !== 0) return top;
  const tun = isMap(root.tun) ? r.int(root.tun, 'routines', 'tun', DEFAULT_ROUTINES, 1, MAX_QUEUES) : DEFAULT_ROUTINES;
  const listen = isMap(root.listen) ? r.int(root.listen, 'routines', 'listen', DEFAULT_ROUTINES, 1, MAX_QUEUES) : DEFAULT_ROUTINES;
  return Math.max(tun, listen);
}
