// Building OverlayNode options in tests without a YAML file: allow-all
// firewall, static host map, nebula's default timers, logs captured.
import { Logger, type LogLevel } from '../../src/tunnel/log/logger.js';
import { loadPki } from '../../src/tunnel/node/pki.js';
import type { NodeOptions } from '../../src/tunnel/node/options.js';
import { Endpoint } from '../../src/udp/index.js';
import type { CipherName } from '../../src/tunnel/aead/index.js';
import type { FirewallOptions, FirewallRule } from '../../src/tunnel/firewall/index.js';
import type { OffloadOption } from '../../src/index.js';
import type { HostFiles, TestPki } from '../../kit/nebula-pki.js';
import type { FrameSetup } from '../../kit/nebula-tio.js';

/** The allow-everything rule of docs/PROTOCOL.md "Checking a fact by hand" ({port: any, proto: any, host: any}). */
export const ALLOW_ALL: FirewallRule = { portStart: 0, portEnd: 0, proto: 'any', host: 'any', groups: null, cidr: null, caName: null, caSha: null };

function ipU32(ip: string): number {
  return ip.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
}

/** What nodeOptions lets a test change; lines collects the node's log. */
export interface NodeOptionsExtra {
  cipher?: CipherName;
  offload?: OffloadOption;
  gro?: boolean;
  mtu?: number;
  logLevel?: LogLevel;
  lines?: string[];
  /** pki.disconnect_invalid (default false). */
  disconnectInvalid?: boolean;
  /** timers.connection_alive_interval in ms (default 5000, nebula's). */
  aliveMs?: number;
  /** The firewall (default: allow everything both ways, drop). */
  firewall?: FirewallOptions;
  /** TUN queue / UDP socket pairs (default 1). */
  routines?: number;
  /** Lighthouse client: lighthouses (each also in `peers`) and the update interval in ms. */
  lighthouse?: { hosts: readonly HostFiles[]; intervalMs: number };
}

/** Options for a node of `pki` host `me` in `netns`, listening on listenHost:4242, knowing `peers`. */
export function nodeOptions(pki: TestPki, me: HostFiles, netns: string, listenHost: string, peers: readonly [HostFiles, string][], extra: NodeOptionsExtra = {}): NodeOptions {
  const lines = extra.lines;
  const log = new Logger(extra.logLevel ?? 'info', 'text', lines ? (l) => lines.push(l) : () => undefined);
  return {
    pki: loadPki({ ca: pki.caCrt, cert: me.crt, key: me.key }),
    disconnectInvalid: extra.disconnectInvalid ?? false,
    cipher: extra.cipher ?? 'aes',
    staticHostMap: new Map(peers.map(([h, underlay]) => [ipU32(h.ip), [Endpoint.of(underlay, 4242)]])),
    lighthouse: extra.lighthouse === undefined ? undefined : { hosts: extra.lighthouse.hosts.map((h) => ipU32(h.ip)), intervalMs: extra.lighthouse.intervalMs },
    listen: { host: listenHost, port: 4242 },
    sendRecvError: 'always',
    tun: { name: `tio${me.name}`.slice(0, 15), mtu: extra.mtu ?? 1300, offload: extra.offload ?? 'auto', gro: extra.gro ?? true },
    handshakes: { tryIntervalMs: 100, retries: 10, triggerBuffer: 64 },
    timers: { aliveMs: extra.aliveMs ?? 5000, pendingDeletionMs: 10000 },
    firewall: extra.firewall ?? { inbound: [ALLOW_ALL], outbound: [ALLOW_ALL] },
    log,
    netns,
    routines: extra.routines,
  };
}

/** nodeOptions for the tio side of kit/nebula-tio.ts's frame: on listenHost (default its underlay address), knowing nebula, logging into the frame's lines. */
export function frameNodeOptions(s: FrameSetup, extra: NodeOptionsExtra = {}, listenHost = s.bAddr): NodeOptions {
  return nodeOptions(s.pki, s.tioHost, s.b.name, listenHost, [[s.nebHost, s.aAddr]], { lines: s.lines, ...extra });
}

export { ipU32 };
