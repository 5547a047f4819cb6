// One iperf3 TCP stream from namespace A to B, reported as Gbit/s received and
// sender retransmits (parsed from `iperf3 -J`), and the parse of a UDP run's
// received packet rate.
import { collect } from '../../kit/run.js';
import { waitFor, type Netns } from '../../kit/netns.js';
import { BenchError } from './errors.js';

/** The numbers one iperf3 run yields. */
export interface IperfResult {
  /** end.sum_received.bits_per_second in Gbit/s. */
  gbps: number;
  /** end.sum_sent.retransmits (TCP retransmitted segments). */
  retransmits: number;
  /** end.sum_received.bytes: bytes the server received in the counted seconds. */
  bytes: number;
}

const PORT = 5201;

/** Runs `iperf3 -s -1 -B serverAddr` in server and `iperf3 -c serverAddr -t seconds -J` in client; all steps time-limited. */
export async function iperfStream(client: Netns, server: Netns, serverAddr: string, seconds: number): Promise<IperfResult> {
  const srv = server.spawn('iperf3', ['-s', '-1', '-B', serverAddr, '-p', String(PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const srvDone = collect(srv, seconds * 1000 + 60_000, 'iperf3 server');
  // A server that fails to start must surface as its own error, not as a wait timeout.
  let srvExited = false;
  void srvDone.then(() => (srvExited = true), () => (srvExited = true));
  await waitFor(
    () => srvExited || server.exec('ss', ['-Hltn', 'sport', '=', `:${PORT}`], { timeoutMs: 5_000 }).includes(`${serverAddr}:${PORT}`),
    10_000,
    'iperf3 server to listen',
  );
  if (srvExited) {
    const r = await srvDone;
    throw new BenchError('ERR_BENCH_IPERF', `iperf3 server exited early (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  const cli = client.spawn('iperf3', ['-c', serverAddr, '-p', String(PORT), '-t', String(seconds), '-J'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(cli, seconds * 1000 + 30_000, 'iperf3 client');
  const result = parseIperfJson(r.stdout, r.stderr);
  await srvDone;
  return result;
}

/** Subset of iperf3's -J output that we read. */
interface IperfJson {
  error?: string;
  end?: {
    sum_received?: { bits_per_second?: number; bytes?: number };
    sum_sent?: { retransmits?: number };
  };
}

/** Extracts Gbit/s and retransmits from iperf3 -J output; throws BenchError with iperf3's own error text. */
export function parseIperfJson(stdout: string, stderr = ''): IperfResult {
  const j = parseJson(stdout, stderr);
  if (j.error) throw new BenchError('ERR_BENCH_IPERF', `iperf3: ${j.error}`);
  const bps = j.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new BenchError('ERR_BENCH_IPERF', 'iperf3 JSON lacks end.sum_received.bits_per_second');
  return { gbps: bps / 1e9, retransmits: j.end?.sum_sent?.retransmits ?? 0, bytes: j.end?.sum_received?.bytes ?? 0 };
}

function parseJson(stdout: string, stderr: string): IperfJson {
  try {
    return JSON.parse(stdout) as IperfJson;
  } catch {
    throw new BenchError('ERR_BENCH_IPERF', `iperf3 client printed no JSON: ${(stderr || stdout).trim().slice(0, 500)}`);
  }
}
