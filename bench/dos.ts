// `npm run bench:dos -- [--json] [--seconds 8] [--omit 1] [--pings 30] [--rate 20000] [--sources 20] [--kinds junk,signed] [--only tio,nebula] [--join-timeout 20]`
// How an established tunnel survives a handshake flood (issue 13), tio and
// nebula 1.6.1 side by side in one run. Per contender: A-B tunnel up, then a
// baseline (iperf3 TCP A->B over the overlay, a paced ping series, and the
// time a newcomer C needs to reach B), then the same under each flood kind:
// `rate` handshake msg1 datagrams/s from `sources` addresses at B's listen
// port (bench/lib/dos-datagrams.ts says what each kind costs a responder).
// Topology and its reasons: bench/lib/dos-run.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { onCleanup } from '../kit/cleanup.js';
import { makePki } from '../kit/nebula-pki.js';
import { rootSkipReason } from '../kit/netns.js';
import { FLOOD_KINDS, type FloodKind } from './lib/dos-datagrams.js';
import { formatDosJson, formatDosTable } from './lib/dos-report.js';
import { MAX_SOURCES, measureDos, type DosSample, type Phase } from './lib/dos-run.js';
import { intOption, listOption, runMain } from './lib/cli-io.js';
import { BenchError } from './lib/errors.js';
import type { HostFiles } from '../kit/nebula-pki.js';
import { BASE_TOOLS, CONTENDERS, OVER_A, OVER_B, OVER_PREFIX, type Contender } from './lib/tunnel-contenders.js';
import { ensureTools, runVersions, versionsLine } from './lib/tunnel-tools.js';

/** The contenders a DoS run can compare: those that can start a third node of their kind (tio, tio_plain, nebula). */
const DOS_CONTENDERS = CONTENDERS.filter((c) => c.startNode !== undefined);
/** Issue 13 compares these two. */
const DEFAULT_CONTENDERS = ['tio', 'nebula'] as const;
/** Defaults from issue 13: ~8 s of iperf3, 30 pings 0.2 s apart, 20,000 datagrams/s from 20 sources, 20 s for a newcomer. */
const DEFAULTS = { seconds: '8', omit: '1', pings: '30', rate: '20000', sources: '20', joinTimeout: '20' } as const;
const PING_INTERVAL_S = 0.2;
/** Overlay addresses: newcomers per phase and the signed flood's certificate (198.19.0.0/16 like A and B). */
const NEWCOMER_IPS: Readonly<Record<Phase, string>> = { none: '198.19.0.3', junk: '198.19.0.4', signed: '198.19.0.5' };
const FLOOD_CERT_IP = '198.19.0.100';

interface Options {
  json: boolean;
  seconds: number;
  omit: number;
  pings: number;
  rate: number;
  sources: number;
  joinTimeoutS: number;
  kinds: FloodKind[];
  contenders: Contender[];
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      seconds: { type: 'string', default: DEFAULTS.seconds },
      omit: { type: 'string', default: DEFAULTS.omit },
      pings: { type: 'string', default: DEFAULTS.pings },
      rate: { type: 'string', default: DEFAULTS.rate },
      sources: { type: 'string', default: DEFAULTS.sources },
      kinds: { type: 'string', default: FLOOD_KINDS.join(',') },
      only: { type: 'string', default: DEFAULT_CONTENDERS.join(',') },
      'join-timeout': { type: 'string', default: DEFAULTS.joinTimeout },
    },
    strict: true,
  });
  const names = listOption('only', values.only, DOS_CONTENDERS.map((c) => c.name));
  return {
    json: values.json,
    seconds: intOption('seconds', values.seconds, 1, 600),
    omit: intOption('omit', values.omit, 0, 60),
    pings: intOption('pings', values.pings, 1, 1000),
    rate: intOption('rate', values.rate, 1, 1_000_000),
    sources: intOption('sources', values.sources, 1, MAX_SOURCES),
    joinTimeoutS: intOption('join-timeout', values['join-timeout'], 1, 300),
    kinds: listOption('kinds', values.kinds, FLOOD_KINDS),
    contenders: DOS_CONTENDERS.filter((c) => names.includes(c.name)),
  };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const skip = rootSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', `cannot run: ${skip}`);
  const tools = [...BASE_TOOLS, ...opts.contenders.flatMap((c) => c.tools)];
  ensureTools(tools);
  const ver = runVersions(tools);
  process.stderr.write(`${versionsLine(ver)}\n`);

  // Registered before any namespace exists, so they run after the namespace
  // teardown (hooks run newest first) on every exit path, SIGINT included.
  const workDir = mkdtempSync(join(tmpdir(), 'tio-bench-dos-'));
  onCleanup(() => rmSync(workDir, { recursive: true, force: true }));
  const phases: Phase[] = ['none', ...opts.kinds];
  const pki = makePki([
    ['a', `${OVER_A}/${OVER_PREFIX}`],
    ['b', `${OVER_B}/${OVER_PREFIX}`],
    ...phases.map((p): [string, string] => [`c_${p}`, `${NEWCOMER_IPS[p]}/${OVER_PREFIX}`]),
    ['flood', `${FLOOD_CERT_IP}/${OVER_PREFIX}`],
  ], 'tio-bench-dos-ca');
  onCleanup(() => pki.dispose());
  const host = (name: string): HostFiles => {
    const h = pki.hosts.get(name);
    if (!h) throw new BenchError('ERR_BENCH_PKI', `PKI lacks ${name}`);
    return h;
  };
  const newcomers = new Map(phases.map((p) => [p, host(`c_${p}`)] as const));
  const flooder = host('flood');

  const samples: DosSample[] = [];
  for (const c of opts.contenders) {
    const s = await measureDos(c, {
      pki, workDir, newcomers, floodCert: { ca: pki.caCrt, cert: flooder.crt, key: flooder.key }, kinds: opts.kinds,
      seconds: opts.seconds, omit: opts.omit, pings: opts.pings, pingIntervalS: PING_INTERVAL_S, rate: opts.rate, sources: opts.sources,
      joinTimeoutMs: opts.joinTimeoutS * 1000,
    }, (line) => process.stderr.write(`${line}\n`));
    if (s.error) process.stderr.write(`${c.name}: ${s.error}\n`);
    samples.push(s);
  }

  console.log(formatDosTable(samples, phases));
  console.log(`(iperf3: 1 TCP stream, ${opts.seconds} s after ${opts.omit} s omitted; ${opts.pings} pings ${PING_INTERVAL_S} s apart; `
    + `flood: ${opts.rate} datagrams/s from ${opts.sources} sources; newcomer timeout ${opts.joinTimeoutS} s)`);
  console.log(`versions: ${versionsLine(ver)}`);
  if (opts.json) console.log(formatDosJson(samples, ver));
  return samples.every((s) => s.error === undefined) ? 0 : 1;
}

runMain('dos', main);
