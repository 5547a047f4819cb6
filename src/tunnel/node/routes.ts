// The kernel side of tun.routes and tun.unsafe_routes, as nebula 1.6.1 sets it up on Linux
// (docs/PROTOCOL.md "Routes through the tun device"): the device MTU is the largest of tun.mtu
// and every route MTU, the network's own route is replaced to carry tun.mtu, and each route gets
// its MTU, an advertised MSS where its MTU differs from the device's, and its metric.
import { OptionError } from '../../errors.js';
import { formatIpv4Net, netContains, netWithin, type Ipv4Net } from '../firewall/index.js';
import type { TunDevice } from '../../tun/index.js';
import { u32ToIp } from '../cert/index.js';
import type { NodeRoute, NodeUnsafeRoute } from './options.js';
import type { ViaRoute } from './route-table.js';

/** IPv4 and TCP headers without options: an MTU less this is the MSS nebula advertises. */
const TCP_IP_HEADERS = 40;

/** The device MTU: tun.mtu, or a larger route MTU (nebula's MaxMTU). */
export function deviceMtu(tunMtu: number, routes: readonly NodeRoute[], unsafe: readonly NodeUnsafeRoute[]): number {
  let max = tunMtu;
  for (const r of routes) max = Math.max(max, r.mtu);
  for (const r of unsafe) max = Math.max(max, r.mtu);
  return max;
}

/**
 * Throws OptionError for routes that cannot work: tun.routes outside the network, unsafe routes
 * inside it, or via an address that is ours or outside the network (no tunnel could carry them).
 * Configs meet the same rules earlier, with the config path (checkConfigAgainstNetwork).
 */
export function checkRoutes(network: { vpnIp: number; prefix: number }, routes: readonly NodeRoute[], unsafe: readonly NodeUnsafeRoute[]): void {
  const mask = network.prefix === 0 ? 0 : (0xffffffff << (32 - network.prefix)) >>> 0;
  const net: Ipv4Net = { addr: (network.vpnIp & mask) >>> 0, mask };
  routes.forEach((r, i) => {
    if (!netWithin(net, r.route)) throw new OptionError(`tun.routes[${i}].route`, `${formatIpv4Net(r.route)} is not inside the overlay network ${formatIpv4Net(net)}`);
  });
  unsafe.forEach((r, i) => {
    if (netWithin(net, r.route)) throw new OptionError(`tun.unsafeRoutes[${i}].route`, `${formatIpv4Net(r.route)} is inside the overlay network ${formatIpv4Net(net)}`);
    if (r.via === network.vpnIp || !netContains(net, r.via)) {
      throw new OptionError(`tun.unsafeRoutes[${i}].via`, `${u32ToIp(r.via)} must be another host's address inside ${formatIpv4Net(net)}`);
    }
  });
}

/** The unsafe routes as the data plane's route table takes them. */
export function viaRoutes(unsafe: readonly NodeUnsafeRoute[]): ViaRoute[] {
  return unsafe.map((r) => ({ route: { addr: r.route.addr, mask: r.route.mask }, via: r.via }));
}

/**
 * Installs the routes through `device` (already up, in its namespace). Throws the tun layer's
 * route errors: a route that cannot be installed stops the start, as it stops nebula's.
 */
export function installRoutes(
  device: TunDevice, network: { vpnIp: number; prefix: number }, tunMtu: number,
  routes: readonly NodeRoute[], unsafe: readonly NodeUnsafeRoute[],
): void {
  const max = deviceMtu(tunMtu, routes, unsafe);
  // An MSS only where the route's MTU is not the device's: the kernel derives the rest.
  const advmss = (mtu: number): number => ((mtu === 0 ? tunMtu : mtu) === max ? 0 : (mtu === 0 ? tunMtu : mtu) - TCP_IP_HEADERS);
  const mask = network.prefix === 0 ? 0 : (0xffffffff << (32 - network.prefix)) >>> 0;
  const net: Ipv4Net = { addr: (network.vpnIp & mask) >>> 0, mask };
  device.addRoute({
    net: formatIpv4Net(net), mtu: tunMtu, advmss: advmss(tunMtu), src: u32ToIp(network.vpnIp), replace: true, kernel: true,
  });
  for (const r of routes) device.addRoute({ net: formatIpv4Net(r.route), mtu: r.mtu, advmss: advmss(r.mtu) });
  for (const r of unsafe) {
    if (r.install === false) continue;
    device.addRoute({ net: formatIpv4Net(r.route), mtu: r.mtu, advmss: advmss(r.mtu), metric: r.metric });
  }
}
