// Checks that need this node's certificate network (its Ips[0] with mask, docs/PROTOCOL.md "Certificate validation"),
// which the loader does not have: nebula refuses these configs at startup (`-test` fails).
import { formatIpv4, formatIpv4Net, netContains, netWithin, type Ipv4Net } from '../firewall/ipv4.js';
import { ConfigError } from './errors.js';
import type { NodeConfig } from './types.js';

/**
 * Throws ConfigError unless: every static_host_map key is inside `network` (`static_host_map key is
 * not in our subnet`), every tun.routes route lies inside it and no tun.unsafe_routes route does
 * (nebula overlay/route.go), and every unsafe route's via is inside it and not `vpnIp` (our own
 * address; tio's rule, see below).
 */
export function checkConfigAgainstNetwork(config: NodeConfig, network: Ipv4Net, vpnIp = -1): void {
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
    // Stricter than nebula 1.6.1, which accepts any via: a via outside the network or our own
    // address can never have a tunnel, so such a route would only blackhole its traffic.
    if (!netContains(network, r.via)) {
      throw new ConfigError(`tun.unsafe_routes[${i}].via`, `${formatIpv4(r.via)} is not in our certificate network ${net}; via must be the overlay IP of the host that routes ${formatIpv4Net(r.route)}`);
    }
    if (r.via === vpnIp) {
      throw new ConfigError(`tun.unsafe_routes[${i}].via`, `${formatIpv4(r.via)} is this node's own address; via must be another host's`);
    }
  });
}
