// Where a ping's round trip goes (bench:latency --split): tcpdump watches ICMP
// echoes in both namespaces, on the kernel's clock, which every namespace
// shares. Each echo is seen four times: its request leaving A (into A's
// tunnel device), arriving in B (written by B's tunnel), its reply leaving B
// and arriving in A. So an RTT splits into forward (A's node out, the wire,
// B's node in), B's kernel answering, and reverse (B's node out, the wire,
// A's node in): which node and which direction a delay sits in.
// docs/LATENCY.md "Where a round trip goes" has what it showed.
import { finished } from 'node:stream/promises';
import type { Netns } from '../../kit/netns.js';
import { NsProcess } from '../../kit/process.js';
import { BenchError } from './errors.js';
import type { DebTool } from './tunnel-tools.js';

/** The capture tool. */
export const TCPDUMP: DebTool = { pkg: 'tcpdump', probe: ['tcpdump', '--version'] };

/** How long tcpdump may take to start listening, and to exit after SIGTERM. */
const TCPDUMP_START_MS = 10_000;
const TCPDUMP_STOP_MS = 10_000;
/** Kernel capture buffer per tcpdump, KiB (-B): pings are few, but a bulk stream delays the reader. */
const CAPTURE_BUFFER_KIB = 4096;

/** One ICMP echo as tcpdump printed it. */
export interface EchoEvent {
  /** Kernel timestamp, whole microseconds (exact in a double, which ms since 1970 with a fraction are not). */
  us: number;
  dir: 'In' | 'Out';
  kind: 'request' | 'reply';
  /** `id:seq` of the echo. */
  key: string;
}

// `1796580000.123456 tioa  Out IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 27, seq 1, length 64`
// (tcpdump 4.99 on `-i any`: the interface and the direction follow the time).
const LINE = /^(\d+)\.(\d{6}) \S+\s+(In|Out)\s+IP \S+ > \S+: ICMP echo (request|reply), id (\d+), seq (\d+)/;

/** ICMP echo events of `tcpdump -i any -n -tt` output; other lines are skipped. */
export function parseEchoes(text: string): EchoEvent[] {
  const out: EchoEvent[] = [];
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ us: Number(m[1]) * 1_000_000 + Number(m[2]), dir: m[3] as 'In' | 'Out', kind: m[4] as 'request' | 'reply', key: `${m[5]}:${m[6]}` });
  }
  return out;
}

/** Per echo seen all four times: ms from A's request to B's, B's request to its reply, B's reply to A's. */
export interface RttSplit {
  forward: number[];
  turnaround: number[];
  reverse: number[];
}

// The first event of each key with this direction and kind (ping's seq wraps after 65536 echoes: later ones are ignored).
function firstByKey(events: readonly EchoEvent[], dir: 'In' | 'Out', kind: 'request' | 'reply'): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of events) if (e.dir === dir && e.kind === kind && !m.has(e.key)) m.set(e.key, e.us);
  return m;
}

/** Splits the round trips of echoes sent from A to B, from A's and B's events. */
export function splitRtts(a: readonly EchoEvent[], b: readonly EchoEvent[]): RttSplit {
  const aReq = firstByKey(a, 'Out', 'request');
  const bReq = firstByKey(b, 'In', 'request');
  const bRep = firstByKey(b, 'Out', 'reply');
  const aRep = firstByKey(a, 'In', 'reply');
  const out: RttSplit = { forward: [], turnaround: [], reverse: [] };
  for (const [key, t0] of aReq) {
    const t1 = bReq.get(key);
    const t2 = bRep.get(key);
    const t3 = aRep.get(key);
    if (t1 === undefined || t2 === undefined || t3 === undefined) continue;
    out.forward.push((t1 - t0) / 1000);
    out.turnaround.push((t2 - t1) / 1000);
    out.reverse.push((t3 - t2) / 1000);
  }
  return out;
}

/** A running capture in A and B; stop() ends it and splits what it saw. */
export interface RttCapture {
  stop(): Promise<RttSplit>;
}

function startTcpdump(ns: Netns): NsProcess {
  return NsProcess.start(ns, 'tcpdump', 'tcpdump', ['-i', 'any', '-n', '-tt', '-l', '-B', String(CAPTURE_BUFFER_KIB), 'icmp']);
}

/** Starts tcpdump in a and b and resolves once both listen; the caller must stop() it (it also stops on failure here). */
export async function startRttCapture(a: Netns, b: Netns): Promise<RttCapture> {
  const dumps = [startTcpdump(a), startTcpdump(b)];
  const stopAll = (): Promise<unknown> => Promise.all(dumps.map((d) => d.stop(TCPDUMP_STOP_MS)));
  try {
    await Promise.all(dumps.map((d) => d.waitForLog('listening on', TCPDUMP_START_MS)));
  } catch (e) {
    await stopAll();
    throw new BenchError('ERR_BENCH_CAPTURE', `tcpdump did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
  return {
    async stop() {
      await stopAll();
      // The exit can come before the last lines are read: wait for the end of the output.
      await Promise.all(dumps.map((d) => (d.child.stdout ? finished(d.child.stdout).catch(() => undefined) : undefined)));
      const [ta, tb] = dumps.map((d) => parseEchoes(d.log.join('\n')));
      return splitRtts(ta!, tb!);
    },
  };
}
