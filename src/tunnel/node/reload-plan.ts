/**
 * Pure pieces of a live reload (docs/PROTOCOL.md "Reloading the config"): comparing what changed and
 * merging static_host_map the way nebula 1.6.1 does. The node applies them (node.ts reload).
 */
import type { FirewallOptions } from '../firewall/index.js';
import type { Endpoint } from '../../udp/index.js';
import type { Pki } from './pki.js';

/** Whether two firewall settings differ (rules, actions, timeouts). */
export function firewallChanged(a: FirewallOptions, b: FirewallOptions): boolean {
  return JSON.stringify(a) !== JSON.stringify(b);
}

/**
 * Why a reloaded certificate cannot replace the running one, or null when it can: nebula 1.6.1 refuses a
 * certificate whose first address (with its prefix) differs, as the TUN device and routes were set up for it.
 */
export function certRefusal(running: Pki, next: Pki): string | null {
  if (running.vpnIp === next.vpnIp && running.prefix === next.prefix) return null;
  return 'IP in new cert was different from old';
}

/**
 * static_host_map after a reload, as nebula 1.6.1 has it: each host's new addresses first; addresses
 * it had before and the new file no longer lists stay known after them (nebula does not remove them),
 * and so do hosts the new file dropped.
 */
export function mergeStaticHostMap(
  running: ReadonlyMap<number, readonly Endpoint[]>, next: ReadonlyMap<number, readonly Endpoint[]>,
): Map<number, readonly Endpoint[]> {
  const out = new Map<number, readonly Endpoint[]>();
  for (const [ip, addrs] of next) {
    const old = (running.get(ip) ?? []).filter((a) => !addrs.some((n) => n.equals(a)));
    out.set(ip, [...addrs, ...old]);
  }
  for (const [ip, addrs] of running) if (!out.has(ip)) out.set(ip, addrs);
  return out;
}
