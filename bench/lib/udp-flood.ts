// bench:latency's small-packet flood with bench/ref/udp-flood.c: a sink in one
// namespace that reads with recvmmsg from a 4 MiB buffer, and a sender in the
// other that sends one datagram per syscall, unlimited. The sink counts for a
// fixed window from its first datagram, so the rate is what crossed the
// tunnel, not what a receiving tool could keep up with (iperf3's server
// dropped tens of thousands a second here: the C file says how).
import { collect } from '../../kit/run.js';
import type { Netns } from '../../kit/netns.js';
import { startServer } from './bench-server.js';
import { BenchError } from './errors.js';
import { ensureUdpFlood } from './tools.js';

/** The sink's port in the server namespace. */
const PORT = 5301;
/** Seconds the sender runs beyond the sink's window (it starts first and must outlast it). */
const SEND_EXTRA_S = 1;

/** Parses the sink's line `{"received":N,"seconds":S}`: datagrams per second; throws when none came. */
export function parseSinkLine(stdout: string, stderr = ''): number {
  let j: { received?: unknown; seconds?: unknown };
  try {
    j = JSON.parse(stdout.trim()) as typeof j;
  } catch {
    throw new BenchError('ERR_BENCH_FLOOD', `udp-flood sink printed no result: ${stderr.trim() || stdout.trim()}`);
  }
  if (typeof j.received !== 'number' || typeof j.seconds !== 'number') {
    throw new BenchError('ERR_BENCH_FLOOD', `udp-flood sink result lacks received or seconds: ${stdout.trim()}`);
  }
  if (!(j.seconds > 0) || j.received === 0) throw new BenchError('ERR_BENCH_FLOOD', 'udp-flood sink received nothing');
  return j.received / j.seconds;
}

/** Datagrams of `payload` bytes per second that reach a sink on serverAddr in `server`, sent unlimited from `client` for `seconds`. */
export async function udpFloodRate(client: Netns, server: Netns, serverAddr: string, seconds: number, payload: number): Promise<number> {
  const bin = ensureUdpFlood();
  const sink = await startServer(server, bin, ['sink', serverAddr, String(PORT), String(seconds)], {
    addr: serverAddr, port: PORT, proto: 'udp', lifetimeMs: (seconds + 30) * 1000, what: 'udp-flood sink', code: 'ERR_BENCH_FLOOD',
  });
  try {
    const sender = client.spawn(bin, ['send', serverAddr, String(PORT), String(seconds + SEND_EXTRA_S), String(payload)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const sent = await collect(sender, (seconds + 30) * 1000, 'udp-flood sender');
    if (sent.code !== 0) throw new BenchError('ERR_BENCH_FLOOD', `udp-flood sender failed (${sent.code ?? sent.signal}): ${sent.stderr.trim()}`);
    const r = await sink.done;
    if (r.code !== 0) throw new BenchError('ERR_BENCH_FLOOD', `udp-flood sink failed (${r.code ?? r.signal}): ${r.stderr.trim()}`);
    return parseSinkLine(r.stdout, r.stderr);
  } finally {
    await sink.stop();
  }
}
