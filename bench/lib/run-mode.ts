// One benchmark mode end to end: fresh namespaces A and B, a forwarder owning
// tun devices in both, an iperf3 stream A -> B, then teardown whatever happened.
import { Netns, waitFor } from '../../kit/netns.js';
import { BenchError } from './errors.js';
import { Forwarder, configuresLinks, type Topology } from './forwarder.js';
import { iperfStream, type IperfResult } from './iperf.js';
import type { ModeSpec } from './modes.js';

/** Outcome of one mode: numbers, or the error that stopped it; plus the forwarder's counters. */
export interface ModeResult {
  /** Mode name. */
  mode: string;
  /** Measured stream, absent on failure. */
  result?: IperfResult;
  /** Why the mode failed, if it did. */
  error?: string;
  /** The forwarder's own counters (its final JSON line on stderr), if it printed them. */
  stats?: unknown;
}

const MTU = 1500;
const ADDR_A = '198.18.1.1/24';
const ADDR_B = '198.18.1.2/24';

/** Runs one mode for `seconds`; never throws, always destroys its namespaces and forwarder. */
export async function runMode(mode: ModeSpec, seconds: number): Promise<ModeResult> {
  let a: Netns | undefined;
  let b: Netns | undefined;
  let fwd: Forwarder | undefined;
  const out: ModeResult = { mode: mode.name };
  try {
    a = Netns.create('fwd');
    b = Netns.create('fwd');
    const t: Topology = { nsA: a.name, nsB: b.name, ifA: 'tfa', ifB: 'tfb', addrA: ADDR_A, addrB: ADDR_B };
    fwd = await Forwarder.start(mode, t, 15_000);
    for (const [ns, ifName, addr] of [
      [a, t.ifA, t.addrA],
      [b, t.ifB, t.addrB],
    ] as const) {
      if (!configuresLinks(mode)) {
        ns.exec('ip', ['addr', 'add', addr, 'dev', ifName]);
        ns.exec('ip', ['link', 'set', ifName, 'mtu', String(MTU), 'up']);
      }
      await waitFor(() => linkReady(ns, ifName, addr), 10_000, `${ifName} up with ${addr} in ${ns.name}`);
    }
    out.result = await iperfStream(a, b, ADDR_B.split('/')[0] ?? '', seconds);
    if (!fwd.running()) throw new BenchError('ERR_BENCH_FORWARDER', `forwarder died during the run: ${fwd.stderrTail()}`);
  } catch (e) {
    delete out.result;
    out.error = e instanceof Error ? e.message : String(e);
  } finally {
    if (fwd) out.stats = await fwd.stop();
    a?.destroy();
    b?.destroy();
  }
  return out;
}

/** The device is administratively up with the address and MTU we expect. */
function linkReady(ns: Netns, ifName: string, cidr: string): boolean {
  const link = ns.exec('ip', ['-o', 'link', 'show', 'dev', ifName]);
  const addrs = ns.exec('ip', ['-o', 'addr', 'show', 'dev', ifName]);
  return /[<,]UP[,>]/.test(link) && link.includes(`mtu ${MTU} `) && addrs.includes(` ${cidr} `);
}
