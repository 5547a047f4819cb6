// `npm run bench:latency -- [--json] [--rounds 3] [--only a,b] [--idle-pings 300] [--bulk-seconds 8] [--udp-seconds 5] [--split] [--baseline DIR]`
// What users feel besides throughput, per contender in one run: ping RTT
// p50/p99 idle and under one bulk TCP stream, the rate of 64-byte UDP
// datagrams sent unlimited that reach the far end, and CPU seconds of both
// tunnel processes per GB of a bulk transfer. Contenders: tio (offloads on
// and off), nebula 1.6.1, wireguard-go, a minimal C tunnel of tio's design
// (bench/ref/tunnel.c) and the bare veth, on bench:tunnel's rig (two
// namespaces, veth MTU 1500, overlay MTU 1300). Rounds alternate over the
// contenders and medians are reported, so drift on a busy machine hits all.
// --split also splits the RTTs into forward and reverse legs with tcpdump
// (bench/lib/rtt-split.ts): which node and direction a delay sits in.
// --baseline DIR adds, beside each tio contender, its twin running the build
// in DIR (another checkout, built), and prints this build's ratios to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { onCleanup } from '../kit/cleanup.js';
import { rootSkipReason } from '../kit/netns.js';
import { makePki } from '../kit/nebula-pki.js';
import { intOption, listOption, runMain, writeChart } from './lib/cli-io.js';
import { BenchError } from './lib/errors.js';
import { bulkPings, measureLatency, type LatencySpec } from './lib/latency-measure.js';
import { formatLatencyJson, formatLatencyTable, summarizeLatency, type LatencySample } from './lib/latency-report.js';
import { renderLatencySvg } from './lib/latency-svg.js';
import { TCPDUMP } from './lib/rtt-split.js';
import { runtime, runtimeLine } from './lib/runtime.js';
import {
  BASE_TOOLS, CONTENDERS, LATENCY_ONLY, OVER_A, OVER_B, OVER_PREFIX, removeWireguardSockets, withBaselines, type Contender,
} from './lib/tunnel-contenders.js';
import { withTunnel } from './lib/tunnel-run.js';
import { ensureTools, runVersions, versionsLine } from './lib/tunnel-tools.js';

/** The contenders of issue 18, in the order each round runs them. */
const NAMES = ['tio', 'tio_plain', 'nebula', 'wireguard_go', 'c_ref', 'veth'] as const;
const ALL: readonly Contender[] = [...CONTENDERS, ...LATENCY_ONLY];

/** Seconds between pings: 10 ms, 100 per second, well below any tunnel's capacity. */
const PING_INTERVAL_S = 0.01;

interface Options extends LatencySpec {
  json: boolean;
  rounds: number;
  contenders: Contender[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string', default: NAMES.join(',') },
      'idle-pings': { type: 'string', default: '300' },
      'bulk-seconds': { type: 'string', default: '8' },
      'udp-seconds': { type: 'string', default: '5' },
      split: { type: 'boolean', default: false },
      baseline: { type: 'string' },
    },
    strict: true,
  });
  const contenders = withBaselines(listOption('only', values.only, NAMES).map((n) => ALL.find((c) => c.name === n)!), values.baseline);
  return {
    json: values.json,
    rounds: intOption('rounds', values.rounds, 1, 50),
    contenders,
    idlePings: intOption('idle-pings', values['idle-pings'], 10, 100_000),
    pingIntervalS: PING_INTERVAL_S,
    bulkSeconds: intOption('bulk-seconds', values['bulk-seconds'], 3, 600),
    udpSeconds: intOption('udp-seconds', values['udp-seconds'], 1, 600),
    split: values.split,
  };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const skip = rootSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', `cannot run: ${skip}`);
  const tools = [...BASE_TOOLS, ...opts.contenders.flatMap((c) => c.tools), ...(opts.split ? [TCPDUMP] : [])];
  ensureTools(tools);
  process.stderr.write(`${versionsLine(runVersions(tools))}\n`);

  const workDir = mkdtempSync(join(tmpdir(), 'tio-bench-latency-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  onCleanup(removeWireguardSockets);
  const pki = makePki([
    ['a', `${OVER_A}/${OVER_PREFIX}`],
    ['b', `${OVER_B}/${OVER_PREFIX}`],
  ], 'tio-bench-ca');
  onCleanup(() => pki.dispose());

  const samples: LatencySample[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const c of opts.contenders) {
      process.stderr.write(`round ${round}/${opts.rounds} ${c.name}...`);
      const spec = { seconds: opts.bulkSeconds, omit: 0, streams: 1, round, pki, workDir };
      const r = await withTunnel(c, spec, (live) => measureLatency(live, opts));
      const s: LatencySample = { contender: c.name, round };
      if (r.value) {
        s.result = r.value;
        const v = r.value;
        const split = v.idleFwdP50Ms === undefined ? '' : `; idle fwd/rev p50 ${v.idleFwdP50Ms.toFixed(3)}/${v.idleRevP50Ms?.toFixed(3)} ms, bulk fwd/rev p99 ${v.bulkFwdP99Ms?.toFixed(2)}/${v.bulkRevP99Ms?.toFixed(2)} ms`;
        process.stderr.write(` idle ${v.idleP50Ms.toFixed(3)}/${v.idleP99Ms.toFixed(3)} ms, bulk ${v.bulkP50Ms.toFixed(2)}/${v.bulkP99Ms.toFixed(2)} ms at ${v.bulkGbps.toFixed(2)} Gbit/s, ${Math.round(v.udpPps)} pps, ${v.cpuSPerGb?.toFixed(2) ?? '-'} cpu s/GB${split}\n`);
      } else {
        s.error = r.error ?? 'no result';
        process.stderr.write(` FAILED: ${s.error}\n`);
      }
      if (r.teardown) process.stderr.write(`  teardown: ${r.teardown}\n`);
      samples.push(s);
    }
  }

  const sums = summarizeLatency(opts.contenders.map((c) => c.name), samples);
  console.log(formatLatencyTable(sums, opts.rounds));
  console.log(`(idle: ${opts.idlePings} pings every ${opts.pingIntervalS * 1000} ms; bulk: one TCP stream for ${opts.bulkSeconds} s carrying ${bulkPings(opts)} pings; UDP: ${opts.udpSeconds} s)`);
  console.log(`${runtimeLine()} (tio's nodes run on this Node)`);
  if (opts.json) console.log(formatLatencyJson(sums));

  const date = new Date();
  const svg = renderLatencySvg(sums, { date, kernel: release(), runtime: runtime(), rounds: opts.rounds });
  const chart = writeChart('latency', date, svg);
  console.log(`chart: ${chart}`);
  return samples.every((s) => s.result) ? 0 : 1;
}

runMain('latency', main);
