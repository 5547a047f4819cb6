// One measurement of one contender: fresh namespaces and veth, the tunnel up
// and proven to carry traffic (ping, bounded), what the bench measures (here
// an iperf3 run; bench:latency brings its own), then teardown whatever
// happened.
import type { Netns } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import type { TestPki } from '../../kit/nebula-pki.js';
import { BenchError } from './errors.js';
import type { IperfResult } from './iperf.js';
import { UNDER_MTU, UNDER_NET, type Contender, type RunningTunnel } from './tunnel-contenders.js';
import { iperfTcp } from './tunnel-iperf.js';
import { untilAnswered } from './ping.js';

/** What one measurement needs besides the contender. */
export interface RunSpec {
  seconds: number;
  /** Seconds iperf3 runs before it starts counting (-O). */
  omit: number;
  streams: number;
  round: number;
  pki: TestPki;
  workDir: string;
  profileDir?: string;
}

/** Outcome of one measurement. */
export interface Sample {
  contender: string;
  round: number;
  result?: IperfResult;
  error?: string;
  /** A teardown step that failed after the measurement (the result still counts). */
  teardown?: string;
  /** CPU profiles the tio processes wrote (with --profile). */
  profiles: string[];
}

/** How long a tunnel may take from start to its first answered ping. */
export const READY_TIMEOUT_MS = 30_000;

/** Pings the tunnel's server address from `from` until one answers; throws with the tunnel's problem if a process dies. */
export async function waitUsable(from: Netns, tunnel: RunningTunnel, what: string): Promise<void> {
  const r = await untilAnswered(from, tunnel.serverAddr, READY_TIMEOUT_MS, () => {
    const p = tunnel.problem();
    return p === undefined ? undefined : `${what}: ${p}`;
  });
  if (r.ms === undefined) throw new BenchError('ERR_BENCH_TUNNEL', `${what}: no ping answer from ${tunnel.serverAddr} within ${READY_TIMEOUT_MS} ms (${r.last})`);
}

/** What a measurement body gets: the namespaces and the tunnel, up and answering pings. */
export interface LiveTunnel {
  a: Netns;
  b: Netns;
  tunnel: RunningTunnel;
}

/** How one run with a tunnel ended: the body's value or why not, and any teardown failure. */
export interface TunnelOutcome<T> {
  value?: T;
  error?: string;
  /** A teardown step that failed after the body (its value still counts). */
  teardown?: string;
  /** CPU profiles the tio processes wrote (with --profile). */
  profiles: string[];
}

/**
 * Fresh namespaces and veth, contender c's tunnel up and proven to carry
 * traffic, then `body`, then a check that no tunnel process died meanwhile;
 * never throws, always stops the processes and destroys the namespaces.
 */
export async function withTunnel<T>(c: Contender, spec: RunSpec, body: (live: LiveTunnel) => Promise<T>): Promise<TunnelOutcome<T>> {
  const out: TunnelOutcome<T> = { profiles: [] };
  let a: Netns | undefined;
  let b: Netns | undefined;
  let tunnel: RunningTunnel | undefined;
  try {
    ({ a, b } = netnsPair('tun', UNDER_NET, UNDER_MTU));
    tunnel = await c.start({ a, b, pki: spec.pki, workDir: spec.workDir, round: spec.round, profileDir: spec.profileDir });
    out.profiles = tunnel.profiles;
    await waitUsable(a, tunnel, c.name);
    const value = await body({ a, b, tunnel });
    const problem = tunnel.problem();
    if (problem) throw new BenchError('ERR_BENCH_TUNNEL', `${c.name} died during the run: ${problem}`);
    out.value = value;
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  } finally {
    try {
      await tunnel?.stop();
    } catch (e) {
      out.teardown ??= `stopping ${c.name}: ${e instanceof Error ? e.message : String(e)}`;
    }
    for (const ns of [a, b]) {
      try {
        ns?.destroy();
      } catch (e) {
        out.teardown ??= `destroying ${ns?.name}: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }
  return out;
}

/** Runs contender once (an iperf3 TCP run); never throws, always tears down. */
export async function measure(c: Contender, spec: RunSpec): Promise<Sample> {
  const r = await withTunnel(c, spec, ({ a, b, tunnel }) => iperfTcp(a, b, tunnel.serverAddr, spec.seconds, spec.streams, spec.omit));
  const out: Sample = { contender: c.name, round: spec.round, profiles: r.profiles };
  if (r.value) out.result = r.value;
  if (r.error !== undefined) out.error = r.error;
  if (r.teardown !== undefined) out.teardown = r.teardown;
  return out;
}
