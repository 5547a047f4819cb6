/**
 * `stats.type: prometheus` for `tio up`: an HTTP server on stats.listen that answers GET
 * stats.path with the node's metrics, rendered when scraped (renderPrometheus). Like nebula's,
 * it serves that one path; anything else is 404.
 */
import { createServer, type Server } from 'node:http';
import { ConfigError, renderPrometheus, type NodeStatus, type StatsConfig } from '../tunnel/index.js';

/** Starts the server; resolves once it listens, rejects with a ConfigError naming stats.listen if it cannot. */
export function serveMetrics(stats: StatsConfig, status: () => NodeStatus): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== stats.path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(renderPrometheus(status(), stats, process.memoryUsage()));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new ConfigError('stats.listen', `cannot serve metrics on ${stats.listen.host ?? ''}:${stats.listen.port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    server.listen(stats.listen.port, stats.listen.host ?? undefined, () => resolve(server));
  });
}
