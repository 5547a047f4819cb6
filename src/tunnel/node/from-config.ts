/** NodeConfig (parsed YAML) -> NodeOptions. */
import { checkConfigAgainstNetwork, type NodeConfig } from '../config/index.js';
import type { LogLevel as ConfigLogLevel } from '../config/index.js';
import { ISO_TIME, Logger, type LogLevel, type LogSink } from '../log/logger.js';
import { Endpoint } from '../../udp/index.js';
import type { NodeOptions } from './options.js';
import { loadPki } from './pki.js';
import { goTimeFormatter } from '../log/go-time.js';

/** Logger levels; nebula's `trace` logs like `debug` here. */
function logLevel(l: ConfigLogLevel): LogLevel {
  return l === 'trace' ? 'debug' : l;
}

/** A logger as the config's `logging` section asks for (level, format, disable_timestamp, timestamp_format). */
export function loggerFromConfig(c: NodeConfig, sink?: LogSink): Logger {
  const l = c.logging;
  const time = l.disableTimestamp ? null : l.timestampFormat !== null && l.timestampFormat !== '' ? goTimeFormatter(l.timestampFormat) : ISO_TIME;
  return new Logger(logLevel(l.level), l.format, sink, {}, time);
}

/** Node options from a loaded config: PKI read and checked, endpoints resolved. */
export function nodeOptionsFromConfig(c: NodeConfig, log: Logger, extra: { netns?: string } = {}): NodeOptions {
  const pki = loadPki({ ca: c.pki.ca.value, cert: c.pki.cert.value, key: c.pki.key.value, blocklist: c.pki.blocklist });
  // As nebula at startup: an expired CA loads, and says so.
  for (const ca of pki.pool.expired()) log.warn('expired certificate present in CA pool', { name: ca.cert.details.name, fingerprint: ca.fingerprint });
  // What needs the certificate network (static_host_map keys, routes) is refused here, naming the
  // config path, before anything is opened (docs/PROTOCOL.md "Unsafe routes").
  const mask = pki.prefix === 0 ? 0 : (0xffffffff << (32 - pki.prefix)) >>> 0;
  checkConfigAgainstNetwork(c, { addr: (pki.vpnIp & mask) >>> 0, mask }, pki.vpnIp);
  const staticHostMap = new Map<number, Endpoint[]>();
  for (const [ip, addrs] of c.staticHostMap) staticHostMap.set(ip, addrs.map((a) => Endpoint.of(a.host, a.port)));
  return {
    pki,
    disconnectInvalid: c.pki.disconnectInvalid,
    cipher: c.cipher,
    staticHostMap,
    lighthouse: { amLighthouse: c.lighthouse.amLighthouse, hosts: c.lighthouse.hosts, intervalMs: c.lighthouse.intervalMs, advertiseAddrs: c.lighthouse.advertiseAddrs,
      localAllowList: c.lighthouse.localAllowList, remoteAllowList: c.lighthouse.remoteAllowList,
    },
    punchy: { ...c.punchy },
    relay: { amRelay: c.relay.amRelay, relays: c.relay.relays, useRelays: c.relay.useRelays },
    listen: { host: c.listen.host, port: c.listen.port, batch: c.listen.batch, readBuffer: c.listen.readBuffer, writeBuffer: c.listen.writeBuffer },
    sendRecvError: c.listen.sendRecvError,
    tun: {
      name: c.tun.dev ?? undefined, mtu: c.tun.mtu, offload: c.tio.offload, gro: c.tio.gro, handOff: c.tio.handOff, writeStrategy: c.tio.writeStrategy,
      routes: c.tun.routes, unsafeRoutes: c.tun.unsafeRoutes, txQueueLen: c.tun.txQueue, dropMulticast: c.tun.dropMulticast, dropLocalBroadcast: c.tun.dropLocalBroadcast,
    },
    handshakes: { ...c.handshakes },
    timers: { aliveMs: c.timers.connectionAliveIntervalMs, pendingDeletionMs: c.timers.pendingDeletionIntervalMs },
    firewall: {
      inbound: c.firewall.inbound, outbound: c.firewall.outbound,
      tcpTimeoutMs: c.firewall.tcpTimeoutMs, udpTimeoutMs: c.firewall.udpTimeoutMs, defaultTimeoutMs: c.firewall.defaultTimeoutMs,
      inboundAction: c.firewall.inboundAction, outboundAction: c.firewall.outboundAction,
    },
    log,
    routines: c.routines,
    netns: extra.netns,
  };
}
