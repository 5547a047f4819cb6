// Runs the real nebula binary (the protocol oracle) inside a test namespace
// with a config written for it, capturing its log.
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { nodeConfigYaml } from '../src/cli/demo/config.js';
import { collectLines } from './lines.js';
import { join } from 'node:path';
import type { Netns } from './netns.js';
import type { HostFiles, TestPki } from './nebula-pki.js';
import { waitFor } from './wait.js';

/** A nebula process and its log lines. */
export interface NebulaProcess {
  child: ChildProcess;
  log: string[];
  /** Resolves once the log contains `text`. */
  waitForLog(text: string | RegExp, timeoutMs: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Options of a generated node config. */
export interface NebulaConfigOptions {
  cipher?: 'aes' | 'chachapoly';
  dev?: string;
  mtu?: number;
  level?: string;
  /** Extra top-level YAML appended verbatim (e.g. a tio: section). */
  extra?: string;
}

/** Writes a Nebula config (allow-all firewall, no lighthouse, static hosts) into the PKI dir; returns its path. Used for nebula and for `tio up` alike. */
export function writeNodeConfig(pki: TestPki, me: HostFiles, listen: string, peers: readonly [HostFiles, string][], opts: NebulaConfigOptions = {}, tag = 'nebula'): string {
  const yml = nodeConfigYaml({
    ca: pki.caCrt, cert: me.crt, key: me.key, listenHost: listen, port: 4242,
    peers: peers.map(([h, addr]) => ({ overlayIp: h.ip, underlay: `${addr}:4242` })),
    dev: opts.dev ?? 'neb0', mtu: opts.mtu ?? 1300, cipher: opts.cipher, logLevel: opts.level ?? 'info', logFormat: 'text', extra: opts.extra,
  });
  const file = join(pki.dir, `${me.name}-${tag}.yml`);
  writeFileSync(file, yml);
  return file;
}

/** Writes a nebula config (see writeNodeConfig) and starts nebula in `ns`. */
export function startNebula(ns: Netns, pki: TestPki, me: HostFiles, listen: string, peers: readonly [HostFiles, string][],
  opts: NebulaConfigOptions = {}): NebulaProcess {
  const file = writeNodeConfig(pki, me, listen, peers, opts);
  const child = ns.spawn('nebula', ['-config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = collectLines(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    log,
    waitForLog: (text, timeoutMs) => waitFor(() => log.some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l))), timeoutMs, `nebula log ${String(text)}`),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}
