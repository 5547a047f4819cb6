// TCP transfers between two namespaces through the one sink/source program
// (tcp-endpoint.ts): start either end on its own (the soak samples a running
// transfer) or move `bytes` random bytes and get both ends' SHA-256.
import { fileURLToPath } from 'node:url';
import { watchEndpoint, type EndpointChild } from './endpoint.js';
import type { Netns } from './netns.js';
import { waitFor } from './wait.js';

const ENDPOINT = fileURLToPath(new URL('./tcp-endpoint.js', import.meta.url));

/** What one end reports when its side is complete; sha256 is null when hashing was off. */
export interface TcpReport {
  bytes: number;
  sha256: string | null;
}

/** Options of {@link startTcpSink} and {@link startTcpSource}. */
export interface TcpEndOptions {
  /** Kill the end and reject after this many ms (no limit when omitted). */
  timeoutMs?: number;
  /** Hash the stream with SHA-256 (default true). */
  hash?: boolean;
  /** Sink: report progress every this many ms (default off). */
  progressMs?: number;
  /** Source: stamped block instead of fresh random bytes (see tcp-endpoint.ts). */
  stamped?: boolean;
}

function flags(o: TcpEndOptions): string[] {
  return [
    ...(o.hash === false ? ['--no-hash'] : []),
    ...(o.progressMs ? ['--progress', String(o.progressMs)] : []),
    ...(o.stamped ? ['--stamped'] : []),
  ];
}

/** Starts a sink in ns on host:port; resolves once it listens. */
export async function startTcpSink(ns: Netns, host: string, port: number, o: TcpEndOptions = {}): Promise<EndpointChild<TcpReport>> {
  const child = ns.spawn(process.execPath, [ENDPOINT, 'sink', host, String(port), ...flags(o)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = watchEndpoint<TcpReport>(child, 'tcp sink', o.timeoutMs);
  await Promise.race([sink.listening, sink.done.then(() => undefined)]);
  return sink;
}

/** Starts a source in ns sending `bytes` to host:port. */
export function startTcpSource(ns: Netns, host: string, port: number, bytes: number, o: TcpEndOptions = {}): EndpointChild<TcpReport> {
  const child = ns.spawn(process.execPath, [ENDPOINT, 'source', host, String(port), String(bytes), ...flags(o)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return watchEndpoint<TcpReport>(child, 'tcp source', o.timeoutMs);
}

/** Outcome of a transfer: what the source sent and what the sink received. */
export interface TransferResult {
  sent: { bytes: number; sha256: string };
  received: { bytes: number; sha256: string };
  seconds: number;
}

/** Sink in `server` listening on host:port, source in `client`; bounded by timeoutMs. */
export async function tcpTransfer(server: Netns, client: Netns, host: string, port: number, bytes: number, timeoutMs = 60_000): Promise<TransferResult> {
  const sink = await startTcpSink(server, host, port, { timeoutMs });
  const start = process.hrtime.bigint();
  const source = startTcpSource(client, host, port, bytes, { timeoutMs });
  const [sent, got] = await Promise.all([source.done, sink.done]);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await tcpQuiet(server, client, port, timeoutMs);
  // Hashing is on, so both reports carry a digest.
  return { sent: sent as TransferResult['sent'], received: got as TransferResult['received'], seconds };
}

/** States in which a TCP socket sends nothing more unless its peer retransmits (or, listening, unless asked). */
const QUIET_STATES = new Set(['TIME-WAIT', 'CLOSED', 'LISTEN']);

/** True when every socket in ns on `port` (`side` 'sport' or 'dport') is closed or in TIME-WAIT. */
function quietIn(ns: Netns, side: 'sport' | 'dport', port: number): boolean {
  const out = ns.exec('ss', ['-Htan', `${side} = :${port}`]);
  return out.split('\n').every((line) => line.trim() === '' || QUIET_STATES.has(line.trim().split(/\s+/)[0]!));
}

/**
 * Waits until the connection to port has closed on both sides. Both ends' reports
 * arrive before the last segments of the close (the server's FIN, the client's
 * ACK of it) have crossed, and a test that counts packets right after a transfer
 * must not count those.
 */
export async function tcpQuiet(server: Netns, client: Netns, port: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => quietIn(server, 'sport', port) && quietIn(client, 'dport', port), timeoutMs, `the TCP connection on port ${port} to close on both sides`);
}
