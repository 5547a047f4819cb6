// `npm run bench:forward -- [--json] [--seconds N] [--modes a,b]`
// One TCP stream (iperf3) through a TUN->TUN forwarder between two namespaces,
// for every mode in one run, so the ratios compare like with like.
import { parseArgs } from 'node:util';
import { rootSkipReason } from '../kit/netns.js';
import { BenchError } from './lib/errors.js';
import { MODES, type ModeSpec } from './lib/modes.js';
import { formatJson, formatTable } from './lib/report.js';
import { runMode, type ModeResult } from './lib/run-mode.js';
import { runtimeLine } from './lib/runtime.js';
import { ensureDebPackage, ensureRefForwarder } from './lib/tools.js';
import { runMain } from './lib/cli-io.js';

interface Options {
  json: boolean;
  seconds: number;
  modes: ModeSpec[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      seconds: { type: 'string', default: '5' },
      modes: { type: 'string', default: MODES.map((m) => m.name).join(',') },
    },
    strict: true,
  });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
    throw new BenchError('ERR_BENCH_ARGS', `--seconds must be an integer 1..600, got ${values.seconds}`);
  }
  const modes = values.modes.split(',').filter(Boolean).map((name) => {
    const m = MODES.find((x) => x.name === name);
    if (!m) throw new BenchError('ERR_BENCH_ARGS', `unknown mode ${name}; modes: ${MODES.map((x) => x.name).join(', ')}`);
    return m;
  });
  if (modes.length === 0) throw new BenchError('ERR_BENCH_ARGS', '--modes is empty');
  return { json: values.json, seconds, modes };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const skip = rootSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', `cannot run: ${skip}`);
  ensureDebPackage('iperf3', ['iperf3', '--version']);
  if (opts.modes.some((m) => m.impl === 'c')) ensureRefForwarder();

  const results: ModeResult[] = [];
  for (const mode of opts.modes) {
    process.stderr.write(`${mode.name}: ${opts.seconds} s...\n`);
    const r = await runMode(mode, opts.seconds);
    if (r.error) process.stderr.write(`${mode.name} failed: ${r.error}\n`);
    if (r.stats !== undefined) process.stderr.write(`${mode.name} forwarder stats: ${JSON.stringify(r.stats)}\n`);
    results.push(r);
  }
  console.log(formatTable(results));
  console.log(runtimeLine());
  if (opts.json) console.log(formatJson(results));
  return results.every((r) => r.result) ? 0 : 1;
}

runMain('forward', main);
