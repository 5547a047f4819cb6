// Measurements between the demo's namespaces: a TCP bulk transfer through the
// built-in endpoints (SHA-256 on both ends), a reachability probe, and iperf3
// when it is installed. Every wait is bounded; every process is stopped after.
import { execFileSync } from 'node:child_process';
import type { Rig } from './rig.js';
import { ENDPOINT_JS, jsonLine, spawnNode, stopChild, waitForLine, type Collected } from './procs.js';

/** What one transfer moved and whether both ends agree. */
export interface TransferResult {
  readonly bytes: number;
  readonly sentSha256: string;
  readonly receivedBytes: number;
  readonly receivedSha256: string;
  /** Receiver's time from accept to EOF. */
  readonly seconds: number;
  readonly gbps: number;
  readonly match: boolean;
}

interface EndReport {
  bytes: number;
  sha256: string;
  seconds: number;
}

const isReport = (l: string): EndReport | undefined => {
  const o = jsonLine<EndReport>(l);
  return o !== undefined && typeof o.sha256 === 'string' ? o : undefined;
};

/** Starts the receiving endpoint on host:port in ns; resolves once it listens. */
export async function startListener(rig: Rig, ns: string, host: string, port: number): Promise<Collected> {
  const listener = spawnNode(rig, ns, ENDPOINT_JS, ['listen', host, String(port)]);
  try {
    await waitForLine(listener, (l) => (l === 'listening' ? true : undefined), 10_000, `receiver on ${host}:${port}`);
  } catch (e) {
    await stopListener(listener);
    throw e;
  }
  return listener;
}

/** Closes the listener's stdin (it exits on its own) and makes sure it is gone. */
export async function stopListener(listener: Collected): Promise<void> {
  listener.child.stdin?.end();
  await stopChild(listener, 2000);
}

/** Connects from ns to host:port until it succeeds (e.g. once the tunnel's handshake is done); resolves with the time it took. */
export async function probe(rig: Rig, ns: string, host: string, port: number, deadlineMs: number): Promise<number> {
  const p = spawnNode(rig, ns, ENDPOINT_JS, ['probe', host, String(port), String(deadlineMs)]);
  try {
    const r = await waitForLine(p, (l) => jsonLine<{ ms: number }>(l), deadlineMs + 5000, `TCP connect to ${host}:${port}`);
    return r.ms;
  } finally {
    await stopChild(p, 1000);
  }
}

/** Sends `bytes` random bytes from clientNs to a receiver in serverNs at host:port; both ends hash what they saw. */
export async function tcpTransfer(rig: Rig, o: { serverNs: string; clientNs: string; host: string; port: number; bytes: number; timeoutMs: number }): Promise<TransferResult> {
  const listener = await startListener(rig, o.serverNs, o.host, o.port);
  let sender: Collected | undefined;
  try {
    sender = spawnNode(rig, o.clientNs, ENDPOINT_JS, ['send', o.host, String(o.port), String(o.bytes)]);
    const what = `${o.bytes} bytes to ${o.host}:${o.port}`;
    const [sent, got] = await Promise.all([
      waitForLine(sender, isReport, o.timeoutMs, `sending ${what}`),
      waitForLine(listener, isReport, o.timeoutMs, `receiving ${what}`),
    ]);
    return {
      bytes: sent.bytes, sentSha256: sent.sha256, receivedBytes: got.bytes, receivedSha256: got.sha256, seconds: got.seconds,
      gbps: (got.bytes * 8) / got.seconds / 1e9, match: sent.bytes === got.bytes && sent.sha256 === got.sha256,
    };
  } finally {
    if (sender) await stopChild(sender, 1000);
    await stopListener(listener);
  }
}

/** True when an iperf3 binary runs here. */
export function iperf3Available(): boolean {
  try {
    execFileSync('iperf3', ['--version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

interface IperfJson {
  error?: string;
  end?: { sum_received?: { bits_per_second?: number } };
}

/** Result of a command run to completion in a namespace. */
interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs cmd in ns to completion, SIGKILLed after timeoutMs. */
function runIn(rig: Rig, ns: string, cmd: string, args: readonly string[], timeoutMs: number): Promise<Finished> {
  const child = rig.spawnIn(ns, cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not start: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One iperf3 TCP test of `seconds` from clientNs to a one-off server on host:port in serverNs; resolves with Gbit/s received. */
export async function iperf3(rig: Rig, o: { serverNs: string; clientNs: string; host: string; port: number; seconds: number }): Promise<number> {
  const server = rig.spawnIn(o.serverNs, 'iperf3', ['-s', '-1', '-B', o.host, '-p', String(o.port)], { stdio: ['ignore', 'ignore', 'ignore'] });
  server.on('error', () => undefined);
  const serverGone = new Promise<void>((r) => server.once('close', () => r()));
  try {
    // The server needs a moment before it listens: retry a refused connection, bounded.
    let why = '';
    for (let attempt = 0; attempt < 40; attempt++) {
      if (server.exitCode !== null || server.signalCode !== null) throw new Error(`iperf3 server exited (${server.signalCode ?? `status ${server.exitCode}`})`);
      const r = await runIn(rig, o.clientNs, 'iperf3', ['-c', o.host, '-p', String(o.port), '-t', String(o.seconds), '-J'], o.seconds * 1000 + 20_000);
      let j: IperfJson | undefined;
      try {
        j = JSON.parse(r.stdout) as IperfJson;
      } catch {
        j = undefined;
      }
      const bps = j?.end?.sum_received?.bits_per_second;
      if (r.code === 0 && typeof bps === 'number' && bps > 0) return bps / 1e9;
      why = j?.error ?? (r.stderr.trim() || `exit ${r.signal ?? r.code}`);
      if (!/refused|unable to connect/i.test(why)) break;
      await sleep(150);
    }
    throw new Error(`iperf3: ${why}`);
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await Promise.race([serverGone, sleep(2000)]);
  }
}
