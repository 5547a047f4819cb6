// `stats` (docs/PROTOCOL.md "Metrics"): nebula 1.6.1 exports metrics to Prometheus or Graphite.
// tio serves Prometheus text; Graphite is refused naming the key rather than accepted unused.
import { ipLiteral } from '../address.js';
import type { ConfigMap, ConfigReader } from '../reader.js';
import { childPath, show } from '../reader.js';
import type { StatsConfig } from '../types.js';

const KEYS = ['type', 'interval', 'listen', 'path', 'namespace', 'subsystem', 'message_metrics', 'lighthouse_metrics', 'prefix', 'protocol', 'host'] as const;

/** Reads `stats`; null when absent or without a type (metrics off). */
export function readStats(r: ConfigReader, value: unknown): StatsConfig | null {
  const path = 'stats';
  const m: ConfigMap = r.map(value, path, KEYS);
  const type = r.string(m, 'type', path, null);
  if (type === null || type === 'none') return null;
  if (type === 'graphite') r.fail(childPath(path, 'type'), 'tio exports metrics to Prometheus only; use type: prometheus (graphite is not implemented)');
  if (type !== 'prometheus') r.fail(childPath(path, 'type'), `must be prometheus (or graphite, which tio does not implement), got ${show(m.type)}`);
  // As nebula's stats.go: an interval is required, and listen and path must be set.
  const intervalMs = r.duration(m, 'interval', path, 0, true);
  if (intervalMs === 0) r.fail(childPath(path, 'interval'), `must be a duration such as "10s" (nebula requires it), got ${show(m.interval)}`);
  const listenText = r.string(m, 'listen', path, null);
  if (listenText === null) r.fail(childPath(path, 'listen'), 'should not be empty (host:port to serve metrics on, e.g. "127.0.0.1:8080")');
  const metricsPath = r.string(m, 'path', path, null);
  if (metricsPath === null || !metricsPath.startsWith('/')) r.fail(childPath(path, 'path'), `must be a URL path such as "/metrics", got ${show(m.path)}`);
  return {
    type: 'prometheus',
    intervalMs,
    listen: readListenAddress(r, listenText, childPath(path, 'listen')),
    path: metricsPath,
    namespace: r.string(m, 'namespace', path, ''),
    subsystem: r.string(m, 'subsystem', path, ''),
  };
}

// Go's http listen address: "host:port", ":port" (every address) or "[ipv6]:port".
function readListenAddress(r: ConfigReader, text: string, p: string): { host: string | null; port: number } {
  const m = /^(\[[^\]]*\]|[^:[\]]*):(\d{1,5})$/.exec(text.trim());
  if (m === null) return r.fail(p, `must be "host:port" or ":port", got ${show(text)}`);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) r.fail(p, `port must be 1..65535, got ${show(text)}`);
  const hostText = m[1]!;
  if (hostText === '') return { host: null, port };
  const lit = ipLiteral(hostText);
  if (lit === null) r.fail(p, `${show(hostText)} is not an IP address (tio does not resolve names here)`);
  return { host: lit[0], port };
}
