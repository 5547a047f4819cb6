/** `tio up -config FILE`: run a node from a Nebula config until SIGINT/SIGTERM; SIGHUP reloads (reload.ts). */
import { OverlayNode, loadConfigFile, loggerFromConfig, nodeOptionsFromConfig, turnSink } from '../tunnel/index.js';
import { waitInJavaScript } from '../index.js';
import type { Server } from 'node:http';
import { serveMetrics } from './metrics-server.js';
import { reload } from './reload.js';
import { statusLine, type StatusMark } from './status-line.js';

/** Runs `tio up`; resolves with the process exit code. */
export async function up(args: { config: string; netns?: string; test?: boolean }): Promise<number> {
  const { config, warnings } = await loadConfigFile(args.config);
  // One write per event-loop turn, not per line (a node answering many handshakes logs a line each).
  const log = loggerFromConfig(config, turnSink().sink);
  for (const w of warnings) log.warn(w.message, { path: w.path });
  const opts = nodeOptionsFromConfig(config, log, { netns: args.netns });
  // -test: like nebula, validate the config (PKI included) and exit.
  if (args.test) {
    log.info('Config is valid', { config: args.config });
    return 0;
  }
  // A packet's wake-up returns into JavaScript instead of entering it (docs/LATENCY.md).
  waitInJavaScript();
  // Like nebula without lighthouses, tunnels start when traffic needs them.
  const node = OverlayNode.start(opts);
  let metrics: Server | null = null;
  if (config.stats !== null) {
    try {
      metrics = await serveMetrics(config.stats, () => node.status());
      log.info('Prometheus stats listening', { listen: `${config.stats.listen.host ?? ''}:${config.stats.listen.port}`, path: config.stats.path });
    } catch (e) {
      await node.stop();
      throw e;
    }
  }
  // One status line per tio.status_interval (0: none).
  let statusTimer: NodeJS.Timeout | null = null;
  if (config.tio.statusIntervalMs > 0) {
    let mark: StatusMark = { atMs: Date.now(), bytesIn: 0, bytesOut: 0, drops: 0 };
    statusTimer = setInterval(() => {
      const line = statusLine(mark, node.status(), Date.now());
      mark = line.mark;
      log.info('Status', line.fields);
    }, config.tio.statusIntervalMs);
    statusTimer.unref();
  }
  const onSignal = (sig: NodeJS.Signals): void => {
    log.info('Caught signal, shutting down', { signal: sig });
    void node.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // SIGHUP reloads, as nebula's does (reload.ts); one reload at a time, in order.
  let running = config;
  let reloading: Promise<void> = Promise.resolve();
  const onHup = (): void => {
    log.info('Caught HUP, reloading config', { config: args.config });
    reloading = reloading.then(async () => {
      running = await reload(args.config, running, node, log, args.netns);
    });
  };
  process.on('SIGHUP', onHup);
  // Stopped by a signal (exit 0) or by itself, e.g. its TUN deleted (exit 1, so a supervisor sees it).
  await node.stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onHup);
  if (statusTimer !== null) clearInterval(statusTimer);
  metrics?.close();
  // What crossed and what was dropped, by reason: for operators and soak runs.
  const { counters: s, tun, udp, handshakes, failure } = node.status();
  const drops = Object.entries(s.drops).filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(',');
  const tunDrops = Object.entries(tun.drops).filter(([, n]) => n > 0).map(([k, n]) => `${k}:${n}`).join(',');
  log.info('Stats', {
    insidePackets: s.insidePackets, datagramsOut: s.datagramsOut, datagramsIn: s.datagramsIn, delivered: s.delivered,
    recvErrorsSent: s.recvErrorsSent, recvErrorsReceived: s.recvErrorsReceived, drops: drops || 'none',
    tunDrops: tunDrops || 'none', tunTxErrors: tun.txErrors, udpKernelDrops: udp.rxKernelDrops, udpTxErrors: udp.txErrors,
    handshakes: JSON.stringify(handshakes),
  });
  return failure === null ? 0 : 1;
}
