// Moves `bytes` random bytes over one TCP connection between two namespaces
// (child processes running tcp-endpoint.js) and reports both ends' SHA-256.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.js';

const ENDPOINT = fileURLToPath(new URL('./tcp-endpoint.js', import.meta.url));

/** Outcome of a transfer: what the source sent and what the sink received. */
export interface TransferResult {
  sent: { bytes: number; sha256: string };
  received: { bytes: number; sha256: string };
  seconds: number;
}

function lines(child: ChildProcess, onLine: (l: string) => void): void {
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

function result<T = { bytes: number; sha256: string }>(child: ChildProcess, what: string, timeoutMs: number, onListening?: () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} timed out after ${timeoutMs} ms ${stderr}`));
    }, timeoutMs);
    lines(child, (l) => {
      if (l === 'listening') onListening?.();
      else if (l.startsWith('{')) {
        clearTimeout(timer);
        resolve(JSON.parse(l) as T);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before reporting: ${stderr}`));
    });
  });
}

const UDP_ENDPOINT = fileURLToPath(new URL('./udp-endpoint.js', import.meta.url));

/** Outcome of a UDP transfer: datagram counts and SHA-256 over them in sequence order. */
export interface UdpTransferResult {
  sent: { count: number; sha256: string };
  received: { count: number; sha256: string };
}

/** `count` datagrams of `size` bytes from `client` to a sink in `server` at host:port. */
export async function udpTransfer(server: Netns, client: Netns, host: string, port: number, count: number, size: number, timeoutMs = 60_000): Promise<UdpTransferResult> {
  const sink = server.spawn(process.execPath, [UDP_ENDPOINT, 'sink', host, String(port), String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const received = result<{ count: number; sha256: string }>(sink, 'udp sink', timeoutMs, listening);
  received.catch(() => undefined);
  await Promise.race([ready, received]);
  const source = client.spawn(process.execPath, [UDP_ENDPOINT, 'source', host, String(port), String(count), String(size)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [sent, got] = await Promise.all([result<{ count: number; sha256: string }>(source, 'udp source', timeoutMs), received]);
  return { sent, received: got };
}

/** Sink in `server` listening on host:port, source in `client`; bounded by timeoutMs. */
export async function tcpTransfer(server: Netns, client: Netns, host: string, port: number, bytes: number, timeoutMs = 60_000): Promise<TransferResult> {
  const sink = server.spawn(process.execPath, [ENDPOINT, 'sink', host, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const received = result(sink, 'tcp sink', timeoutMs, listening);
  received.catch(() => undefined);
  await Promise.race([ready, received]);
  const start = process.hrtime.bigint();
  const source = client.spawn(process.execPath, [ENDPOINT, 'source', host, String(port), String(bytes)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const [sent, got] = await Promise.all([result(source, 'tcp source', timeoutMs), received]);
  return { sent, received: got, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}
