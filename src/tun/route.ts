/** Routes through a TUN device: parsing and checking RouteOptions, and the rtnetlink request that installs them. */
import { EACCES, EEXIST, ENETDOWN, EPERM, ESRCH } from '../errno.js';
import { OptionError, PermissionDeniedError, RouteExistsError, RouteRefusedError, type TioError } from '../errors.js';
import { native } from '../native.js';
import { parseCidr } from './cidr.js';

/** A route to a network through the device (TunDevice.addRoute). */
export interface RouteOptions {
  /** Destination network in CIDR form with no host bits set: "198.18.200.0/24", "fd00:1::/64". */
  net: string;
  /** Path MTU of the route (RTAX_MTU); absent or 0: the device MTU applies. IPv4 68..65535, IPv6 1280..65535. */
  mtu?: number;
  /** TCP MSS advertised on connections over the route (RTAX_ADVMSS); absent or 0: the kernel's (MTU - 40). */
  advmss?: number;
  /** Route priority (RTA_PRIORITY), 0..4294967295; absent or 0: the kernel's default. Lower wins. */
  metric?: number;
  /** Preferred source address (RTA_PREFSRC), of the same family; absent: the kernel picks. */
  src?: string;
  /** Replace a route to the same network and metric instead of failing with RouteExistsError. Default false. */
  replace?: boolean;
  /** Mark the route as the kernel's own (RTPROT_KERNEL, as the prefix route of an address) instead of `boot`. Default false. */
  kernel?: boolean;
}

/** RouteOptions checked and in the form the native call takes. */
export interface ResolvedRoute {
  family: 4 | 6;
  dst: Uint8Array;
  prefixLen: number;
  src: Uint8Array | null;
  mtu: number;
  advmss: number;
  metric: number;
  replace: boolean;
  kernel: boolean;
  /** The network as given, for messages. */
  text: string;
}

const U32_MAX = 0xffffffff;

function intIn(v: number | undefined, option: string, min: number, max: number): number {
  if (v === undefined || v === 0) return 0;
  if (!Number.isInteger(v) || v < min || v > max) throw new OptionError(option, `must be 0 or an integer ${min}..${max}, got ${String(v)}`);
  return v;
}

/** Checks a route's options; throws OptionError naming the bad field. */
export function resolveRoute(o: RouteOptions): ResolvedRoute {
  if (o === null || typeof o !== 'object' || typeof o.net !== 'string') throw new OptionError('route.net', 'required: a network in CIDR form, e.g. 198.18.200.0/24');
  const net = parseCidr(o.net, 'route.net');
  const bits = net.prefixLen;
  for (let i = 0; i < net.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    if ((net.bytes[i]! & (0xff >> keep)) !== 0) throw new OptionError('route.net', `"${o.net}" has host bits set; give the network address`);
  }
  const mtu = intIn(o.mtu, 'route.mtu', net.family === 4 ? 68 : 1280, 65535);
  const advmss = intIn(o.advmss, 'route.advmss', 1, 65535);
  const metric = intIn(o.metric, 'route.metric', 1, U32_MAX);
  let src: Uint8Array | null = null;
  if (o.src !== undefined) {
    const s = parseCidr(`${o.src}/${net.family === 4 ? 32 : 128}`, 'route.src');
    if (s.family !== net.family) throw new OptionError('route.src', `"${o.src}" is not of the route's address family`);
    src = s.bytes;
  }
  return {
    family: net.family, dst: net.bytes, prefixLen: bits, src, mtu, advmss, metric,
    replace: o.replace === true, kernel: o.kernel === true, text: o.net,
  };
}

/** rtnetlink operations of native ifRouteChange. */
const OP_ADD = 0;
const OP_REPLACE = 1;
const OP_DELETE = 2;

function routeError(r: number, what: string, route: ResolvedRoute, device: string): TioError {
  const e = -r;
  if (e === EPERM || e === EACCES) return new PermissionDeniedError(`${what} on ${device}`);
  if (e === EEXIST) return new RouteExistsError(route.text, device);
  if (e === ENETDOWN) return new RouteRefusedError(what, e, `${device} is down; bring it up first (device.up())`);
  if (e === ESRCH) return new RouteRefusedError(what, e, `no route to ${route.text} with this metric exists through ${device}`);
  return new RouteRefusedError(what, e, 'check the network, MTU and metric (see ip route)');
}

/** Adds (or with `replace`, replaces) the route through `device`, in the calling thread's namespace. */
export function installRoute(device: string, route: ResolvedRoute): void {
  const r = native.ifRouteChange(device, route.replace ? OP_REPLACE : OP_ADD, route.family, route.dst, route.prefixLen,
    route.src, route.mtu, route.advmss, route.metric, route.kernel);
  if (r < 0) throw routeError(r, `adding route ${route.text} (RTM_NEWROUTE)`, route, device);
}

/** Removes the route to `route`'s network and metric through `device`. */
export function removeRoute(device: string, route: ResolvedRoute): void {
  const r = native.ifRouteChange(device, OP_DELETE, route.family, route.dst, route.prefixLen, null, 0, 0, route.metric, false);
  if (r < 0) throw routeError(r, `removing route ${route.text} (RTM_DELROUTE)`, route, device);
}
