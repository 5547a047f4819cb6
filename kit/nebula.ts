// Runs the real nebula binary (the protocol oracle) inside a test namespace
// with a config written for it, capturing its log.
import { writeFileSync } from 'node:fs';
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
  /** The lighthouse section: serve as one (`am`), or use `hosts` (overlay IPs, each also a peer), every `interval` seconds. */
  lighthouse?: { am: boolean; hosts: string[]; interval?: number };
}

/** Writes a Nebula config (allow-all firewall, static hosts, lighthouse section as opts say) into the PKI dir; returns its path. Used for nebula and for `tio up` alike. */
export function writeNodeConfig(pki: TestPki, me: HostFiles, listen: string, peers: readonly [HostFiles, string][], opts: NebulaConfigOptions = {}, tag = 'nebula'): string {
  const yml = nodeConfigYaml({
    ca: pki.caCrt, cert: me.crt, key: me.key, listenHost: listen, port: 4242,
    peers: peers.map(([h, addr]) => ({ overlayIp: h.ip, underlay: `${addr}:4242` })),
    dev: opts.dev ?? 'neb0', mtu: opts.mtu ?? 1300, cipher: opts.cipher, logLevel: opts.level ?? 'info', logFormat: 'text', extra: opts.extra,
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
