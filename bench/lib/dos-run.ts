// One contender of bench:dos: an established A-B tunnel measured without a
// flood and then under each flood kind against B's listen port.
//
// Topology (all underlay in 198.18.0.0/15, overlay in 198.19.0.0/16):
//
//   A 198.18.30.1 ==veth== 198.18.30.2 B 198.18.31.1 ==veth== F 198.18.31.2 (newcomer C)
//                                                               198.18.31.10.. (flood sources)
//
// The flooder and the newcomer C live in a third namespace F, on a second veth
// into B, rather than as extra addresses in A: the flood reaches B's listen
// address (B routes nothing, the address is local to it) without passing
// through A's stack, so A's numbers change only through what the flood does
// to B, and B's answers to the flood (msg2s of the signed kind) go to F, not to
// the node that measures. CPU is shared either way (2 cores for A, B, the
// flooder, iperf3 and ping), as it would be for a node on a small VM.
import type { NsProcess } from '../../kit/process.js';
import { addAddress, Netns, vethPair } from '../../kit/netns.js';
import type { HostFiles, TestPki } from '../../kit/nebula-pki.js';
import { run } from '../../kit/run.js';
import type { FloodCert, FloodKind } from './dos-datagrams.js';
import { Flood, type FloodSummary } from './dos-flooder.js';
import { BenchError } from './errors.js';
import { pingSeries, untilAnswered, type PingSeries } from './ping.js';
import { OVER_B, UNDER_A, UNDER_B, UNDER_MTU, UNDER_PREFIX, type Contender, type RunningTunnel } from './tunnel-contenders.js';
import { MAX_SOURCE_ADDRESSES, sourceAddresses } from './source-addresses.js';
import { iperfTcp } from './tunnel-iperf.js';
import { READY_TIMEOUT_MS, waitUsable } from './tunnel-run.js';

/** B's side of the F link, F's link (C's underlay address), and the first flood source: 198.18.31.0/24. */
export const FLOOD_NET = '198.18.31.0';
export const B_ON_F = '198.18.31.1';
export const UNDER_C = '198.18.31.2';
/** Sources fit in 198.18.31.10..254. */
export const MAX_SOURCES = MAX_SOURCE_ADDRESSES;
/** The port writeNodeConfig gives every node. */
const NODE_PORT = 4242;
/** Grace for a newcomer's process at stop (as the contenders' own nodes get). */
const NODE_STOP_MS = 5_000;

/** Flood source addresses 198.18.31.10, .11, ... */
export function floodSources(n: number): string[] {
  return sourceAddresses(31, n, 'sources');
}

/** What a run needs besides the contender. */
export interface DosSpec {
  pki: TestPki;
  workDir: string;
  /** Newcomer certificates by phase ('none' and each flood kind), each its own overlay address. */
  newcomers: ReadonlyMap<Phase, HostFiles>;
  /** The certificate signed floods present. */
  floodCert: FloodCert;
  kinds: readonly FloodKind[];
  seconds: number;
  omit: number;
  pings: number;
  pingIntervalS: number;
  rate: number;
  sources: number;
  joinTimeoutMs: number;
}

/** 'none' is the baseline. */
export type Phase = 'none' | FloodKind;

/** The numbers of one phase; a missing number comes with its reason. */
export interface PhaseResult {
  phase: Phase;
  gbps?: number;
  iperfError?: string;
  pings?: PingSeries;
  pingError?: string;
  /** Newcomer C: ms from its start to its first answered ping to B; undefined with joinError unset = timeout. */
  joinMs?: number;
  joinError?: string;
  /** The flooder's own report (rate it achieved). */
  flood?: FloodSummary;
  floodError?: string;
  /** After the flood stopped: ms until A's ping to B was answered again. */
  recoveryMs?: number;
  /** True when it was not answered within READY_TIMEOUT_MS (the run stops there). */
  noRecovery?: boolean;
}

/** One contender's run. */
export interface DosSample {
  contender: string;
  phases: PhaseResult[];
  /** Why the run stopped early (set-up failed, B died, no recovery). */
  error?: string;
  teardown?: string;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Starts newcomer C in f, measures until its first ping to B is answered, stops it. */
async function join(c: Contender, f: Netns, spec: DosSpec, phase: Phase, b: HostFiles, out: PhaseResult): Promise<void> {
  const me = spec.newcomers.get(phase);
  if (!c.startNode || !me) {
    out.joinError = `${c.name} cannot start a third node`;
    return;
  }
  let node: NsProcess | undefined;
  try {
    node = c.startNode({ ns: f, pki: spec.pki, me, listen: UNDER_C, peers: [[b, UNDER_B]], dev: 'tunc', side: `c (${phase})` });
    const started = node;
    const r = await untilAnswered(f, OVER_B, spec.joinTimeoutMs, () => (started.running() ? undefined : `${started.status()}:\n${started.output()}`));
    if (r.ms !== undefined) out.joinMs = r.ms;
  } catch (e) {
    out.joinError = message(e);
  } finally {
    await node?.stop(NODE_STOP_MS);
  }
}

/** iperf3, ping series and a newcomer, in that order, each recorded on failure rather than thrown. */
async function measurePhase(c: Contender, a: Netns, b: Netns, f: Netns, spec: DosSpec, phase: Phase, hb: HostFiles, out: PhaseResult): Promise<void> {
  try {
    out.gbps = (await iperfTcp(a, b, OVER_B, spec.seconds, 1, spec.omit)).gbps;
  } catch (e) {
    // A tunnel the flood has silenced fails iperf3 outright: that is 0 carried, with the reason kept.
    out.gbps = 0;
    out.iperfError = message(e);
  }
  try {
    out.pings = await pingSeries(a, OVER_B, spec.pings, spec.pingIntervalS);
  } catch (e) {
    out.pingError = message(e);
  }
  await join(c, f, spec, phase, hb, out);
}

function problemOf(tunnel: RunningTunnel, what: string): void {
  const p = tunnel.problem();
  if (p) throw new BenchError('ERR_BENCH_TUNNEL', `${what}: ${p}`);
}

/** Runs c's baseline and flood phases; never throws, always stops its processes and destroys its namespaces. */
export async function measureDos(c: Contender, spec: DosSpec, progress: (line: string) => void): Promise<DosSample> {
  const out: DosSample = { contender: c.name, phases: [] };
  const hb = spec.pki.hosts.get('b');
  const spaces: Netns[] = [];
  let tunnel: RunningTunnel | undefined;
  let flood: Flood | undefined;
  try {
    if (!hb) throw new BenchError('ERR_BENCH_PKI', 'PKI lacks host b');
    const [a, b, f] = (['dosa', 'dosb', 'dosf'] as const).map((tag) => {
      const ns = Netns.create(tag);
      spaces.push(ns);
      return ns;
    }) as [Netns, Netns, Netns];
    vethPair(a, b, { aAddr: `${UNDER_A}/${UNDER_PREFIX}`, bAddr: `${UNDER_B}/${UNDER_PREFIX}`, mtu: UNDER_MTU });
    const { aIf: fIf } = vethPair(f, b, { aAddr: `${UNDER_C}/24`, bAddr: `${B_ON_F}/24`, mtu: UNDER_MTU });
    const sources = floodSources(spec.sources);
    for (const s of sources) addAddress(f, fIf, `${s}/24`);
    run('ip', ['-n', f.name, 'route', 'add', `${UNDER_B}/32`, 'via', B_ON_F]);

    tunnel = await c.start({ a, b, pki: spec.pki, workDir: spec.workDir, round: 1 });
    await waitUsable(a, tunnel, c.name);
    const running = tunnel;
    for (const phase of ['none', ...spec.kinds] as const) {
      const r: PhaseResult = { phase };
      out.phases.push(r);
      progress(`${c.name} ${phase === 'none' ? 'baseline' : `${phase} flood`}...`);
      if (phase !== 'none') {
        // Bounded by itself too: every step of the phase plus a margin.
        const maxSeconds = spec.omit + spec.seconds + spec.pings * spec.pingIntervalS + spec.joinTimeoutMs / 1000 + 60;
        flood = await Flood.start(f, {
          kind: phase, target: `${UNDER_B}:${NODE_PORT}`, sources, rate: spec.rate, maxSeconds,
          ...(phase === 'signed' ? { who: spec.floodCert } : {}),
        });
      }
      try {
        await measurePhase(c, a, b, f, spec, phase, hb, r);
      } finally {
        if (flood) {
          const fl = flood;
          flood = undefined;
          try {
            r.flood = await fl.stop();
          } catch (e) {
            r.floodError = message(e);
          }
        }
      }
      problemOf(running, `${c.name} died during the ${phase} phase`);
      if (phase !== 'none') {
        const back = await untilAnswered(a, OVER_B, READY_TIMEOUT_MS, () => running.problem());
        if (back.ms === undefined) {
          r.noRecovery = true;
          throw new BenchError('ERR_BENCH_TUNNEL', `${c.name}: A-B tunnel not back within ${READY_TIMEOUT_MS} ms after the ${phase} flood (${back.last})`);
        }
        r.recoveryMs = back.ms;
      }
    }
  } catch (e) {
    out.error = message(e);
  } finally {
    await flood?.kill();
    try {
      await tunnel?.stop();
    } catch (e) {
      out.teardown ??= `stopping ${c.name}: ${message(e)}`;
    }
    for (const ns of spaces) {
      try {
        ns.destroy();
      } catch (e) {
        out.teardown ??= `destroying ${ns.name}: ${message(e)}`;
      }
    }
  }
  return out;
}
