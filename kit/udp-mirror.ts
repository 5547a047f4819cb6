// The parent's side of udp-mirror-endpoint.ts: learn the public address and
// port a NAT gave a flow, and send one unsolicited datagram.
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { watchEndpoint } from './endpoint.js';
import type { Netns } from './netns.js';

const MIRROR = fileURLToPath(new URL('./udp-mirror-endpoint.js', import.meta.url));

/** An address and port as the far side saw it. */
export interface Seen {
  address: string;
  port: number;
}

/** A running mirror; `seen` lists every datagram's source in arrival order. */
export interface UdpMirror {
  seen: (Seen & { localPort: number })[];
  /** Kills the mirror. */
  stop(): void;
}

/** Starts a mirror in ns answering on host at each port; resolves once all are bound. */
export async function startUdpMirror(ns: Netns, host: string, ports: readonly number[], timeoutMs = 10_000): Promise<UdpMirror> {
  const child = ns.spawn(process.execPath, [MIRROR, 'mirror', host, ...ports.map(String)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: UdpMirror['seen'] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const m = l.startsWith('{') ? (JSON.parse(l) as { seen?: UdpMirror['seen'][number] }) : {};
    if (m.seen) seen.push(m.seen);
  });
  const ep = watchEndpoint<never>(child, 'udp mirror');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    await ep.listening;
  } finally {
    clearTimeout(timer);
  }
  return { seen, stop: () => void child.kill('SIGKILL') };
}

/** From ns, srcHost:srcPort asks each mirror target ("host:port") in turn; resolves with the mapping each saw. */
export async function askMirror(ns: Netns, srcHost: string, srcPort: number, targets: readonly string[], timeoutMs = 10_000): Promise<Seen[]> {
  const child = ns.spawn(process.execPath, [MIRROR, 'ask', srcHost, String(srcPort), String(timeoutMs), ...targets], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await watchEndpoint<{ mapped: Seen[] }>(child, 'udp mirror ask', timeoutMs + 5_000).done;
  return r.mapped;
}

/** Sends one datagram from srcHost:srcPort in ns to target ("host:port"). */
export async function sendDatagram(ns: Netns, srcHost: string, srcPort: number, to: string, timeoutMs = 10_000): Promise<void> {
  const child = ns.spawn(process.execPath, [MIRROR, 'send', srcHost, String(srcPort), to], { stdio: ['ignore', 'pipe', 'pipe'] });
  await watchEndpoint<unknown>(child, 'udp send', timeoutMs).done;
}
