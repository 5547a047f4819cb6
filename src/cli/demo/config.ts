// The demo's node configs: plain Nebula 1.6.1 YAML (static hosts, no
// lighthouse, allow-all firewall) plus tio's own `tio:` section for offloads.
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
  /** Offloads and GRO on (tio: {offload: auto, gro: true}) or off (tio: {offload: off, gro: false}). */
  readonly offload: boolean;
}

/** The YAML text of a node config. */
export function nodeConfigYaml(c: DemoNodeConfig): string {
  const hosts = c.peers.map((p) => `  "${p.overlayIp}": ["${p.underlay}"]`).join('\n');
  return `# tio demo node (Nebula 1.6.1 config; the tio: section is tio's own)
pki:
  ca: ${c.ca}
  cert: ${c.cert}
  key: ${c.key}
static_host_map:
${hosts}
lighthouse:
  am_lighthouse: false
  hosts: []
listen:
  host: ${c.listenHost}
  port: ${c.port}
punchy:
  punch: false
cipher: aes
tun:
  dev: ${c.dev}
  mtu: ${c.mtu}
logging:
  level: info
  format: json
firewall:
  outbound:
    - port: any
      proto: any
      host: any
  inbound:
    - port: any
      proto: any
      host: any
tio:
  offload: ${c.offload ? 'auto' : 'off'}
  gro: ${c.offload ? 'true' : 'false'}
`;
}

/** Writes the config to `path`. */
export function writeNodeConfigFile(path: string, c: DemoNodeConfig): string {
  writeFileSync(path, nodeConfigYaml(c));
  return path;
}
