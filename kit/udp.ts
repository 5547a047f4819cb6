// UDP transfers between two namespaces through udp-endpoint.ts: counted,
// sequence-numbered datagrams and a SHA-256 over them in order.
import { fileURLToPath } from 'node:url';
import { watchEndpoint } from './endpoint.js';
import type { Netns } from './netns.js';

const UDP_ENDPOINT = fileURLToPath(new URL('./udp-endpoint.js', import.meta.url));

/** Outcome of a UDP transfer: datagram counts and SHA-256 over them in sequence order. */
export interface UdpTransferResult {
  sent: { count: number; sha256: string };
  received: { count: number; sha256: string };
}

/** `count` datagrams of `size` bytes from `client` to a sink in `server` at host:port. */
export async function udpTransfer(server: Netns, client: Netns, host: string, port: number, count: number, size: number, timeoutMs = 60_000): Promise<UdpTransferResult> {
  const sinkChild = server.spawn(process.execPath, [UDP_ENDPOINT, 'sink', host, String(port), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = watchEndpoint<UdpTransferResult['received']>(sinkChild, 'udp sink', timeoutMs);
  await Promise.race([sink.listening, sink.done.then(() => undefined)]);
  const sourceChild = client.spawn(process.execPath, [UDP_ENDPOINT, 'source', host, String(port), String(count), String(size)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const source = watchEndpoint<UdpTransferResult['sent']>(sourceChild, 'udp source', timeoutMs);
  const [sent, received] = await Promise.all([source.done, sink.done]);
  return { sent, received };
}
