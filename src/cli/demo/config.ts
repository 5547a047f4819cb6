// Node configs for the demo (and the tests): plain Nebula 1.6.1 YAML (static
// hosts, no lighthouse unless asked for, allow-all firewall) plus tio's own `tio:` section for
// offloads; nebula reads the same file (it ignores the tio: section).
import { writeFileSync } from 'node:fs';

/** What one node's config says. */
export interface DemoNodeConfig {
  /** pki.ca, pki.cert, pki.key file paths. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** Underlay address to listen on (an IP literal) and its UDP port. */
  readonly listenHost: string;
  readonly port: number;
  /** The peer: overlay IP -> underlay "ip:port". */
  readonly peers: readonly { overlayIp: string; underlay: string }[];
  /** TUN device name and MTU. */
  readonly dev: string;
  readonly mtu: number;
  /** Offloads and GRO on (tio: {offload: auto, gro: true}) or off (tio: {offload: off, gro: false}); no tio: section when undefined. */
  readonly offload?: boolean;
  /** `cipher` (default aes). */
  readonly cipher?: 'aes' | 'chachapoly';
  /** logging.level (default info) and logging.format (default json). */
  readonly logLevel?: string;
  readonly logFormat?: 'text' | 'json';
  /** Extra top-level YAML appended verbatim (e.g. `routines: 2`). */
  readonly extra?: string;
  /** The `lighthouse` section (default: not a lighthouse, no lighthouses). */
  readonly lighthouse?: { readonly am: boolean; readonly hosts: readonly string[]; readonly interval?: number };
  /** punchy.punch and punchy.respond (default off: the two-node demo has nothing to punch). */
  readonly punchy?: boolean;
  /** The `relay` section: relay for others (am), and the relays others reach us through (relays; use_relays follows). */
  readonly relay?: { readonly am: boolean; readonly relays: readonly string[] };
  /** tun.routes entries (none when undefined). */
  readonly routes?: readonly { route: string; mtu: number }[];
  /** tun.unsafe_routes entries (none when undefined); mtu, metric and install left out when undefined. */
  readonly unsafeRoutes?: readonly { route: string; via: string; mtu?: number; metric?: number; install?: boolean }[];
}

/** The relay section, or nothing. */
function relayYaml(r: DemoNodeConfig['relay']): string {
  if (r === undefined) return '';
  const list = r.relays.length === 0 ? ' []' : `\n${r.relays.map((ip) => `    - ${ip}`).join('\n')}`;
  return `relay:\n  am_relay: ${r.am}\n  use_relays: true\n  relays:${list}\n`;
}

/** The tun.routes lines of a config, or nothing. */
function routesYaml(routes: DemoNodeConfig['routes']): string {
  if (routes === undefined || routes.length === 0) return '';
  return `  routes:\n${routes.map((r) => `    - route: ${r.route}\n      mtu: ${r.mtu}`).join('\n')}\n`;
}

/** The tun.unsafe_routes lines of a config, or nothing. */
function unsafeRoutesYaml(routes: DemoNodeConfig['unsafeRoutes']): string {
  if (routes === undefined || routes.length === 0) return '';
  const entry = (r: NonNullable<DemoNodeConfig['unsafeRoutes']>[number]): string => [
    `    - route: ${r.route}`, `      via: ${r.via}`,
    ...(r.mtu === undefined ? [] : [`      mtu: ${r.mtu}`]), ...(r.metric === undefined ? [] : [`      metric: ${r.metric}`]),
    ...(r.install === undefined ? [] : [`      install: ${r.install}`]),
  ].join('\n');
  return `  unsafe_routes:\n${routes.map(entry).join('\n')}\n`;
}

/** The YAML text of a node config. */
export function nodeConfigYaml(c: DemoNodeConfig): string {
  const hosts = c.peers.map((p) => `  "${p.overlayIp}": ["${p.underlay}"]`).join('\n');
  const lh = c.lighthouse ?? { am: false, hosts: [] };
  const lhHosts = lh.hosts.length === 0 ? '[]' : `[${lh.hosts.map((h) => `"${h}"`).join(', ')}]`;
  return `# Nebula 1.6.1 config (a tio: section, if any, is tio's own)
pki:
  ca: ${c.ca}
  cert: ${c.cert}
  key: ${c.key}
static_host_map:${hosts === '' ? ' {}' : `\n${hosts}`}
lighthouse:
  am_lighthouse: ${lh.am}
  hosts: ${lhHosts}
${lh.interval === undefined ? '' : `  interval: ${lh.interval}\n`}listen:
  host: ${c.listenHost}
  port: ${c.port}
punchy:
  punch: ${c.punchy ?? false}
  respond: ${c.punchy ?? false}
${relayYaml(c.relay)}cipher: ${c.cipher ?? 'aes'}
tun:
  dev: ${c.dev}
  mtu: ${c.mtu}
${routesYaml(c.routes)}${unsafeRoutesYaml(c.unsafeRoutes)}logging:
  level: ${c.logLevel ?? 'info'}
  format: ${c.logFormat ?? 'json'}
firewall:
  outbound:
    - port: any
      proto: any
      host: any
  inbound:
    - port: any
      proto: any
      host: any
${c.offload === undefined ? '' : `tio:\n  offload: ${c.offload ? 'auto' : 'off'}\n  gro: ${c.offload ? 'true' : 'false'}\n`}${c.extra ?? ''}`;
}

/** Writes the config to `path`. */
export function writeNodeConfigFile(path: string, c: DemoNodeConfig): string {
  writeFileSync(path, nodeConfigYaml(c));
  return path;
}
