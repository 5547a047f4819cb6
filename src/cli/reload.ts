/**
 * `tio up` on SIGHUP, as nebula's systemd units use it (`ExecReload=kill -HUP`): the config is
 * read and checked again (PKI included); a config that fails keeps the running one and says why.
 * What tio applies to a running node today is the log level; every other section that changed
 * is named in a warning saying it takes effect at the next start, so nothing changes silently.
 */
import { loadConfigFile, nodeOptionsFromConfig, type Logger, type LogLevel, type NodeConfig } from '../tunnel/index.js';


/** Top-level sections of a config whose value differs between `a` and `b`. */
export function changedSections(a: NodeConfig, b: NodeConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => canonical((a as unknown as Record<string, unknown>)[k]) !== canonical((b as unknown as Record<string, unknown>)[k])).sort();
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

/** Reloads `path` over `running`; returns the config now in force (the old one when the new one failed). */
export async function reload(path: string, running: NodeConfig, log: Logger, netns: string | undefined): Promise<NodeConfig> {
  let next: NodeConfig;
  try {
    next = (await loadConfigFile(path)).config;
    // The checks a start makes, certificates included; nothing is opened.
    nodeOptionsFromConfig(next, log, { netns });
  } catch (e) {
    log.error('Failed to reload config; keeping the running one', { config: path, error: e instanceof Error ? e.message : String(e) });
    return running;
  }
  const changed = changedSections(running, next);
  log.setLevel(levelOf(next));
  // The level is applied live; any other change (format, timestamps, every other section) waits for a start.
  const later = changed.filter((s) => s !== 'logging' || canonical({ ...running.logging, level: '' }) !== canonical({ ...next.logging, level: '' }));
  log.debug('Config compared with the running one', { sections: Object.keys(next).length, changed: changed.length });
  if (later.length > 0) log.warn('Config sections changed that tio applies at the next start only', { sections: later.join(',') });
  log.info('Reloaded config', { config: path, changed: changed.join(',') || 'nothing' });
  return next;
}

function levelOf(c: NodeConfig): LogLevel {
  return c.logging.level === 'trace' ? 'debug' : c.logging.level;
}
