/**
 * `tio up` on SIGHUP, as nebula's systemd units use it (`ExecReload=kill -HUP`): the config is read
 * and checked again (PKI included); a config that fails keeps the running one and says why. What
 * nebula 1.6.1 reloads is applied to the running node (OverlayNode.reload; docs/PROTOCOL.md
 * "Reloading the config"), plus the log level; every other changed key is named in a warning saying
 * it takes effect at the next start, so nothing changes silently.
 */
import { loadConfigFile, nodeOptionsFromConfig, type Logger, type LogLevel, type NodeConfig, type OverlayNode } from '../tunnel/index.js';

/**
 * Keys a running node applies on reload, as NodeConfig paths: a whole section, or `section.key`.
 * The PKI files are read again on every reload, whether or not their names changed.
 */
export const LIVE_KEYS: readonly string[] = [
  'pki.ca', 'pki.cert', 'pki.key', 'pki.blocklist', 'firewall', 'staticHostMap', 'listen.sendRecvError',
  'lighthouse.hosts', 'lighthouse.intervalMs', 'lighthouse.advertiseAddrs', 'punchy.respond', 'punchy.delayMs', 'logging.level',
];

/** Top-level sections of a config whose value differs between `a` and `b`. */
export function changedSections(a: NodeConfig, b: NodeConfig): string[] {
  return differing(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>);
}

/** What differs between `a` and `b`: a section, or `section.key` inside a section that is a plain object. */
export function changedKeys(a: NodeConfig, b: NodeConfig): string[] {
  const ra = a as unknown as Record<string, unknown>;
  const rb = b as unknown as Record<string, unknown>;
  return changedSections(a, b).flatMap((s) => {
    const x = ra[s];
    const y = rb[s];
    if (!isPlain(x) || !isPlain(y)) return [s];
    return differing(x, y).map((k) => `${s}.${k}`);
  }).sort();
}

/** Changed keys a running node does not apply: they wait for the next start. */
export function restartKeys(changed: readonly string[]): string[] {
  return changed.filter((k) => !LIVE_KEYS.some((l) => k === l || k.startsWith(`${l}.`)));
}

function differing(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonical(a[k]) !== canonical(b[k])).sort();
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Uint8Array);
}

// Maps, bigints and bytes as JSON can compare them.
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `${x}n`;
    if (x instanceof Map) return [...x.entries()];
    if (x instanceof Uint8Array) return Buffer.from(x).toString('hex');
    return x;
  });
}

/**
 * Reloads `path` over `running` and applies it to `node`; returns the config now in force (the old
 * one when the new one failed to load, validate or apply).
 */
export async function reload(path: string, running: NodeConfig, node: OverlayNode, log: Logger, netns: string | undefined): Promise<NodeConfig> {
  let next: NodeConfig;
  try {
    next = (await loadConfigFile(path)).config;
    // The checks a start makes, certificates included; then what nebula reloads is applied.
    node.reload(nodeOptionsFromConfig(next, log, { netns }));
  } catch (e) {
    log.error('Failed to reload config; keeping the running one', { config: path, error: e instanceof Error ? e.message : String(e) });
    return running;
  }
  const changed = changedKeys(running, next);
  log.setLevel(levelOf(next));
  log.debug('Config compared with the running one', { sections: Object.keys(next).length, changed: changed.length });
  const later = restartKeys(changed);
  if (later.length > 0) log.warn('Config keys changed that tio applies at the next start only', { keys: later.join(',') });
  log.info('Reloaded config', { config: path, changed: changed.join(',') || 'nothing' });
  return next;
}

function levelOf(c: NodeConfig): LogLevel {
  return c.logging.level === 'trace' ? 'debug' : c.logging.level;
}
