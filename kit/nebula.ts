// Runs the real nebula binary (the protocol oracle) inside a test namespace
// with a config written for it, capturing its log.
import { writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { nodeConfigYaml } from '../src/cli/demo/config.js';
import { join } from 'node:path';
import type { Netns } from './netns.js';
import type { HostFiles, TestPki } from './nebula-pki.js';
import { NsProcess } from './process.js';

/** A running nebula. */
export type NebulaProcess = NsProcess;

/** Options of a generated node config. */
export interface NebulaConfigOptions {
  cipher?: 'aes' | 'chachapoly';
  dev?: string;
  mtu?: number;
  level?: string;
  /** Extra top-level YAML appended verbatim (e.g. a tio: section). */
  extra?: string;
  /** tun.routes entries. */
  routes?: readonly { route: string; mtu: number }[];
  /** tun.unsafe_routes entries. */
  unsafeRoutes?: readonly { route: string; via: string; mtu?: number; metric?: number; install?: boolean }[];
  /** The lighthouse section: serve as one (`am`), or use `hosts` (overlay IPs, each also a peer), every `interval` seconds. */
  lighthouse?: { am: boolean; hosts: string[]; interval?: number };
}

/** Writes a Nebula config (allow-all firewall, static hosts, lighthouse section as opts say) into the PKI dir; returns its path. Used for nebula and for `tio up` alike. */
export function writeNodeConfig(pki: TestPki, me: HostFiles, listen: string, peers: readonly [HostFiles, string][], opts: NebulaConfigOptions = {}, tag = 'nebula'): string {
  const yml = nodeConfigYaml({
    ca: pki.caCrt, cert: me.crt, key: me.key, listenHost: listen, port: 4242,
    peers: peers.map(([h, addr]) => ({ overlayIp: h.ip, underlay: `${addr}:4242` })),
    dev: opts.dev ?? 'neb0', mtu: opts.mtu ?? 1300, cipher: opts.cipher, logLevel: opts.level ?? 'info', logFormat: 'text', extra: opts.extra,
    routes: opts.routes, unsafeRoutes: opts.unsafeRoutes,
    lighthouse: opts.lighthouse,
  });
  const file = join(pki.dir, `${me.name}-${tag}.yml`);
  writeFileSync(file, yml);
  return file;
}

/** Writes a nebula config (see writeNodeConfig) and starts nebula in `ns`. */
export function startNebula(ns: Netns, pki: TestPki, me: HostFiles, listen: string, peers: readonly [HostFiles, string][],
  opts: NebulaConfigOptions = {}): NebulaProcess {
  return NsProcess.start(ns, 'nebula', 'nebula', ['-config', writeNodeConfig(pki, me, listen, peers, opts)]);
}

/**
 * A node's part in a network with lighthouses (e.g. in kit/nat-rig.ts): a
 * lighthouse (optionally also a relay), or a node that knows only the
 * lighthouses' underlay addresses and learns every other peer from them.
 */
export type NebulaRole =
  | { kind: 'lighthouse'; amRelay?: boolean }
  | {
    kind: 'node';
    /** The lighthouses and their underlay "ip:port": lighthouse.hosts, and the only static_host_map entries. */
    lighthouses: readonly [HostFiles, string][];
    /** punchy.punch (default true) and punchy.respond (default true). */
    punch?: boolean;
    respond?: boolean;
    /** punchy.delay, e.g. '0s': nebula 1.6.1 waits this long (default 1 s) before every punch, not only responses. */
    punchDelay?: string;
    /** Overlay IPs of relays peers may use to reach this node (relay.relays); use_relays follows from it. */
    relays?: readonly string[];
    /** relay.am_relay: relay for other nodes (default false). */
    amRelay?: boolean;
  };

/** The settings a role adds to a node config (lighthouse, punchy, relay, static_host_map). */
function roleSettings(role: NebulaRole): Record<string, unknown> {
  if (role.kind === 'lighthouse') {
    return {
      static_host_map: {},
      lighthouse: { am_lighthouse: true, hosts: [] },
      punchy: { punch: true },
      relay: { am_relay: role.amRelay ?? false, use_relays: false },
    };
  }
  return {
    static_host_map: Object.fromEntries(role.lighthouses.map(([h, addr]) => [h.ip, [addr]])),
    lighthouse: { am_lighthouse: false, hosts: role.lighthouses.map(([h]) => h.ip) },
    punchy: { punch: role.punch ?? true, respond: role.respond ?? true, ...(role.punchDelay === undefined ? {} : { delay: role.punchDelay }) },
    relay: { am_relay: role.amRelay ?? false, use_relays: (role.relays ?? []).length > 0, relays: [...(role.relays ?? [])] },
  };
}

/** Writes a config for `role` (otherwise as writeNodeConfig: allow-all firewall, port 4242) into the PKI dir; returns its path. */
export function writeRoleConfig(pki: TestPki, me: HostFiles, listen: string, role: NebulaRole, opts: NebulaConfigOptions = {}, tag = 'nebula'): string {
  // The demo config is the base, so what both say stays in one place; the
  // role replaces its static-host sections.
  const base = parse(nodeConfigYaml({
    ca: pki.caCrt, cert: me.crt, key: me.key, listenHost: listen, port: 4242, peers: [],
    dev: opts.dev ?? 'neb0', mtu: opts.mtu ?? 1300, cipher: opts.cipher, logLevel: opts.level ?? 'info', logFormat: 'text', extra: opts.extra,
  })) as Record<string, unknown>;
  const file = join(pki.dir, `${me.name}-${tag}.yml`);
  writeFileSync(file, stringify({ ...base, ...roleSettings(role) }));
  return file;
}

/** Starts nebula in `ns` with a config file written earlier (e.g. by writeRoleConfig); `what` names it in messages. */
export function startNebulaWith(ns: Netns, config: string, what = 'nebula'): NebulaProcess {
  return NsProcess.start(ns, what, 'nebula', ['-config', config]);
}
