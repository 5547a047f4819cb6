// `npm run bench:tunnel -- [--json] [--seconds 10] [--omit 2] [--rounds 3] [--streams N] [--only a,b] [--profile] [--baseline DIR]`
// Encrypted overlay tunnels side by side in one run: tio (offloads on and off),
// nebula 1.6.1 and wireguard-go, plus the bare veth for scale. Every contender
// gets the same topology (two namespaces, veth MTU 1500, overlay MTU 1300) and
// the same iperf3 TCP load from A to B; rounds alternate over the contenders
// and the median is reported, so drift on a busy machine hits all alike.
// Each run measures `seconds` of steady state after iperf3 omits the first
// `omit` seconds (TCP slow start, and each fresh process's warm-up), the same
// for every contender. tio's nodes run on the Node that runs the bench
// (process.execPath), so its version and OpenSSL's, printed with the table,
// say which AES-GCM code ran. `--baseline DIR` adds, beside each tio contender,
// the same setup run from the build in DIR (another checkout, `npm install`
// done there), so a change is measured against its parent in one run.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { onCleanup } from '../kit/cleanup.js';
import { rootSkipReason } from '../kit/netns.js';
import { makePki } from '../kit/nebula-pki.js';
import { intOption, listOption, runMain, writeChart } from './lib/cli-io.js';
import { BenchError } from './lib/errors.js';
import { runtime, runtimeLine } from './lib/runtime.js';
import { OVER_R } from './lib/tunnel-relayed.js';
import { BASE_TOOLS, CONTENDERS, OVER_A, OVER_B, OVER_PREFIX, removeWireguardSockets, withBaselines, type Contender } from './lib/tunnel-contenders.js';
import { formatProfile, summarizeProfile } from './lib/tunnel-profile.js';
import { formatJson, formatTable, summarize } from './lib/tunnel-report.js';
import { measure, type Sample } from './lib/tunnel-run.js';
import { renderSvg } from './lib/tunnel-svg.js';
import { ensureTools, runVersions, versionsLine } from './lib/tunnel-tools.js';

interface Options {
  json: boolean;
  seconds: number;
  omit: number;
  rounds: number;
  streams: number;
  contenders: Contender[];
  profile: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      seconds: { type: 'string', default: '10' },
      omit: { type: 'string', default: '2' },
      rounds: { type: 'string', default: '3' },
      streams: { type: 'string', default: '1' },
      only: { type: 'string', default: CONTENDERS.map((c) => c.name).join(',') },
      profile: { type: 'boolean', default: false },
      baseline: { type: 'string' },
    },
    strict: true,
  });
  const names = listOption('only', values.only, CONTENDERS.map((c) => c.name));
  const contenders = withBaselines(CONTENDERS.filter((c) => names.includes(c.name)), values.baseline);
  return {
    json: values.json,
    seconds: intOption('seconds', values.seconds, 1, 600),
    omit: intOption('omit', values.omit, 0, 60),
    rounds: intOption('rounds', values.rounds, 1, 50),
    streams: intOption('streams', values.streams, 1, 128),
    contenders,
    profile: values.profile,
  };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const skip = rootSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', `cannot run: ${skip}`);
  const tools = [...BASE_TOOLS, ...opts.contenders.flatMap((c) => c.tools)];
  ensureTools(tools);
  process.stderr.write(`${versionsLine(runVersions(tools))}\n`);

  // Registered before any namespace exists, so they run after the namespace
  // teardown (hooks run newest first) on every exit path, SIGINT included.
  const workDir = mkdtempSync(join(tmpdir(), 'tio-bench-tunnel-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  onCleanup(removeWireguardSockets);
  const profileDir = opts.profile ? mkdtempSync(join(tmpdir(), 'tio-bench-prof-')) : undefined;
  const pki = makePki([
    ['a', `${OVER_A}/${OVER_PREFIX}`],
    ['b', `${OVER_B}/${OVER_PREFIX}`],
    ['r', `${OVER_R}/${OVER_PREFIX}`],
  ], 'tio-bench-ca');
  onCleanup(() => pki.dispose());

  const samples: Sample[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const c of opts.contenders) {
      process.stderr.write(`round ${round}/${opts.rounds} ${c.name}: ${opts.omit} s omitted + ${opts.seconds} s...`);
      const s = await measure(c, { seconds: opts.seconds, omit: opts.omit, streams: opts.streams, round, pki, workDir, profileDir });
      samples.push(s);
      if (s.result) process.stderr.write(` ${s.result.gbps.toFixed(2)} Gbit/s, ${s.result.retransmits} retransmits\n`);
      else process.stderr.write(` FAILED: ${s.error}\n`);
      if (s.teardown) process.stderr.write(`  teardown: ${s.teardown}\n`);
    }
  }

  const sums = summarize(opts.contenders.map((c) => c.name), samples);
  console.log(formatTable(sums, opts.rounds));
  console.log(`(${opts.seconds} s per run after ${opts.omit} s omitted; ${opts.streams} stream${opts.streams > 1 ? 's' : ''})`);
  console.log(`${runtimeLine()} (tio's nodes run on this Node)`);
  if (opts.json) console.log(formatJson(sums));

  const date = new Date();
  const svg = renderSvg(sums, { date, kernel: release(), runtime: runtime(), seconds: opts.seconds, omit: opts.omit, rounds: opts.rounds, streams: opts.streams });
  const chart = writeChart('tunnel', date, svg);
  console.log(`chart: ${chart}`);

  if (profileDir) {
    console.log(`CPU profiles of the tio processes (in ${profileDir}):`);
    for (const file of samples.flatMap((s) => s.profiles)) {
      if (!existsSync(file)) {
        console.log(`${file}: not written (the process did not exit cleanly)`);
        continue;
      }
      try {
        console.log(formatProfile(file, summarizeProfile(file)));
      } catch (e) {
        console.log(`${file}: unreadable: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return samples.every((s) => s.result) ? 0 : 1;
}

runMain('tunnel', main);
