// Checks that need this node's certificate network (its Ips[0] with mask, docs/PROTOCOL.md "Certificate validation"),
// which the loader does not have: nebula refuses these configs at startup (`-test` fails).
import { formatIpv4, formatIpv4Net, netContains, netWithin, type Ipv4Net } from '../firewall/ipv4.js';
import { ConfigError } from './errors.js';
import type { NodeConfig } from './types.js';

/**
 * Throws ConfigError unless: every static_host_map key is inside `network` (`static_host_map key is
 * not in our subnet`), every tun.routes route lies inside it and no tun.unsafe_routes route does
 * (nebula overlay/route.go).
 */
export function checkConfigAgainstNetwork(config: NodeConfig, network: Ipv4Net): void {
  const net = formatIpv4Net(network);
  for (const vpnIp of config.staticHostMap.keys()) {
    if (!netContains(network, vpnIp)) {
      throw new ConfigError(`static_host_map["${formatIpv4(vpnIp)}"]`, `key is not in our certificate network ${net}`);
    }
  }
  config.tun.routes.forEach((r, i) => {
    if (!netWithin(network, r.route)) {
      throw new ConfigError(`tun.routes[${i}].route`, `${formatIpv4Net(r.route)} is not inside our certificate network ${net}`);
    }
  });
  config.tun.unsafeRoutes.forEach((r, i) => {
    if (netWithin(network, r.route)) {
      throw new ConfigError(`tun.unsafe_routes[${i}].route`, `${formatIpv4Net(r.route)} is inside our certificate network ${net}; use tun.routes for that`);
    }
  });
}
