// iperf3 for the tunnel benches: one or N (-P) TCP streams,
// from namespace A to B, without blocking this process's event loop (its
// timers bound every step).
import { collect } from '../../kit/run.js';
import type { Netns } from '../../kit/netns.js';
import { startServer } from './bench-server.js';
import { parseIperfJson, type IperfResult } from './iperf.js';

const PORT = 5201;
/** iperf3 --connect-timeout: generous for a live tunnel's first packet (a handshake on a busy machine). */
const CONNECT_TIMEOUT_MS = 10_000;

/** Output of an iperf3 client run. */
interface ClientOutput {
  stdout: string;
  stderr: string;
}

/**
 * Starts `iperf3 -s -1` on serverAddr in `server`, waits until it listens,
 * then runs `iperf3 -c serverAddr -J --connect-timeout ... args` in `client`
 * for about `seconds`; `started` runs once the client is spawned (a bench
 * starts what it measures alongside there).
 */
async function iperfClient(client: Netns, server: Netns, serverAddr: string, args: readonly string[], seconds: number, started?: () => void): Promise<ClientOutput> {
  const srv = await startServer(server, 'iperf3', ['-s', '-1', '-B', serverAddr, '-p', String(PORT)], {
    addr: serverAddr, port: PORT, proto: 'tcp', lifetimeMs: seconds * 1000 + 60_000, what: 'iperf3 server', code: 'ERR_BENCH_IPERF',
  });
  try {
    // A tunnel that carries nothing (bench:dos floods one) fails the control
    // connection here rather than after the kernel's SYN retries (~2 min).
    const cli = client.spawn('iperf3', ['-c', serverAddr, '-p', String(PORT), '-J', '--connect-timeout', String(CONNECT_TIMEOUT_MS), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    started?.();
    const r = await collect(cli, seconds * 1000 + 30_000, 'iperf3 client');
    await srv.done;
    return r;
  } finally {
    await srv.stop();
  }
}

/**
 * Runs `iperf3 -c serverAddr -t seconds -O omit [-P streams]` from `client`
 * to `server`: the result covers the `seconds` after the first `omit`
 * (iperf3 leaves those out of its totals). `started`: see iperfClient.
 */
export async function iperfTcp(client: Netns, server: Netns, serverAddr: string, seconds: number, streams: number, omit = 0, started?: () => void): Promise<IperfResult> {
  const args = ['-t', String(seconds)];
  if (omit > 0) args.push('-O', String(omit));
  if (streams > 1) args.push('-P', String(streams));
  const r = await iperfClient(client, server, serverAddr, args, seconds + omit, started);
  return parseIperfJson(r.stdout, r.stderr);
}
