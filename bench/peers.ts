// `npm run bench:peers -- [--json] [--steps 1,100,1000] [--only tio,nebula] [--addresses 100] [--window 64] [--pings 200] [--rate-seconds 3] [--rate-window 64] [--grow-timeout 180] [--profile] [--baseline DIR]`
// Many peers against one node (issue 18), tio and nebula 1.6.1 configured
// alike, side by side in one run. A scripted peer (bench/peers-peer.ts) holds
// up to the last --steps count of tunnels to the node, each with its own
// certificate, overlay address and UDP source port (spread over --addresses
// source addresses: tio's handshake budget is per source address). At each
// tunnel count: the node's RSS (VmRSS, all threads), memory per tunnel
// against the first count, the handshake rate of the new tunnels (--window
// handshakes in flight), ping RTT one at a time round-robin over the
// tunnels, and an echo rate with the node's CPU per echo. Topology and
// method: bench/lib/peers-run.ts. `--profile` has the tio nodes and the
// scripted peer write CPU profiles and prints their hot spots; `--baseline
// DIR` adds, right after each tio contender, the same contender run from the
// build in checkout DIR, so a change is measured against its parent in one run.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { onCleanup } from '../kit/cleanup.js';
import { makePki } from '../kit/nebula-pki.js';
import { rootSkipReason } from '../kit/netns.js';
import { BenchError } from './lib/errors.js';
import { MAX_ADDRESSES, measurePeers, NODE_OVER, type PeersSample } from './lib/peers-run.js';
import { formatPeersJson, formatPeersRatios, formatPeersTable, parseSteps } from './lib/peers-report.js';
import { BASELINE_SUFFIX, CONTENDERS, OVER_PREFIX, withBaselines, type Contender } from './lib/tunnel-contenders.js';
import { formatProfile, summarizeProfile } from './lib/tunnel-profile.js';
import { ensureTools, runVersions, versionsLine } from './lib/tunnel-tools.js';
import { intOption, listOption, runMain } from './lib/cli-io.js';

/** The contenders that can start a single node (tio, tio_plain, nebula). */
const PEER_CONTENDERS = CONTENDERS.filter((c) => c.startNode !== undefined);
/** Issue 18 compares these two. */
const DEFAULT_CONTENDERS = ['tio', 'nebula'] as const;
/**
 * Defaults: issue 18's counts; 100 source addresses, so 1000 peers are 10 per address, inside
 * tio's per-address handshake burst (20, DEFAULT_HANDSHAKE_BUDGET); 64 handshakes in flight, about
 * one receive batch; 200 pings; 3 s of echoes with 64 in flight.
 */
const DEFAULTS = { steps: '1,100,1000', addresses: '100', window: '64', pings: '200', rateSeconds: '3', rateWindow: '64', growTimeout: '180' } as const;

interface Options {
  json: boolean;
  steps: number[];
  addresses: number;
  window: number;
  pings: number;
  rateSeconds: number;
  rateWindow: number;
  growTimeoutS: number;
  contenders: Contender[];
  profile: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      steps: { type: 'string', default: DEFAULTS.steps },
      only: { type: 'string', default: DEFAULT_CONTENDERS.join(',') },
      addresses: { type: 'string', default: DEFAULTS.addresses },
      window: { type: 'string', default: DEFAULTS.window },
      pings: { type: 'string', default: DEFAULTS.pings },
      'rate-seconds': { type: 'string', default: DEFAULTS.rateSeconds },
      'rate-window': { type: 'string', default: DEFAULTS.rateWindow },
      'grow-timeout': { type: 'string', default: DEFAULTS.growTimeout },
      profile: { type: 'boolean', default: false },
      baseline: { type: 'string' },
    },
    strict: true,
  });
  const names = listOption('only', values.only, PEER_CONTENDERS.map((c) => c.name));
  const contenders = withBaselines(PEER_CONTENDERS.filter((c) => names.includes(c.name)), values.baseline);
  return {
    json: values.json,
    steps: parseSteps(values.steps),
    addresses: intOption('addresses', values.addresses, 1, MAX_ADDRESSES),
    window: intOption('window', values.window, 1, 65_000),
    pings: intOption('pings', values.pings, 1, 100_000),
    rateSeconds: intOption('rate-seconds', values['rate-seconds'], 1, 600),
    rateWindow: intOption('rate-window', values['rate-window'], 1, 4096),
    growTimeoutS: intOption('grow-timeout', values['grow-timeout'], 1, 3600),
    contenders,
    profile: values.profile,
  };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2));
  const skip = rootSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', `cannot run: ${skip}`);
  const tools = opts.contenders.flatMap((c) => c.tools);
  ensureTools(tools);
  const ver = runVersions(tools);
  process.stderr.write(`${versionsLine(ver)}\n`);

  // The CA and the node's certificate from nebula-cert; the peers sign theirs with the CA key in-process.
  const pki = makePki([['node', `${NODE_OVER}/${OVER_PREFIX}`]], 'tio-bench-peers-ca');
  onCleanup(() => pki.dispose());
  const node = pki.hosts.get('node')!;

  const profileDir = opts.profile ? mkdtempSync(join(tmpdir(), 'tio-bench-prof-')) : undefined;
  const samples: PeersSample[] = [];
  for (const c of opts.contenders) {
    const s = await measurePeers(c, {
      pki, node, steps: opts.steps, addresses: opts.addresses, window: opts.window, growTimeoutMs: opts.growTimeoutS * 1000,
      pings: opts.pings, rateMs: opts.rateSeconds * 1000, rateWindow: opts.rateWindow, profileDir,
    }, (line) => process.stderr.write(`${line}\n`));
    if (s.error) process.stderr.write(`${c.name}: ${s.error}\n`);
    if (s.teardown) process.stderr.write(`${c.name}: ${s.teardown}\n`);
    samples.push(s);
  }

  console.log(formatPeersTable(samples));
  const tio = samples.find((s) => s.contender === 'tio');
  const neb = samples.find((s) => s.contender === 'nebula');
  if (tio && neb) console.log(`\n${formatPeersRatios(tio, neb)}`);
  for (const twin of samples.filter((s) => s.contender.endsWith(BASELINE_SUFFIX))) {
    const own = samples.find((s) => `${s.contender}${BASELINE_SUFFIX}` === twin.contender);
    if (own) console.log(`\n${formatPeersRatios(own, twin)}`);
  }
  console.log(`\n(KiB/tunnel: (RSS at N - RSS at ${opts.steps[0]}) / (N - ${opts.steps[0]}); handshakes: ${opts.window} in flight from ${opts.addresses} source addresses; `
    + `ping: ${opts.pings} one at a time round-robin; echo: ${opts.rateWindow} in flight for ${opts.rateSeconds} s round-robin; `
    + `peer certificates signed in ${samples.map((s) => `${s.signMs?.toFixed(0) ?? '-'} ms`).join(' / ')})`);
  console.log(`versions: ${versionsLine(ver)}`);
  if (opts.json) console.log(formatPeersJson(samples, ver));
  if (profileDir) {
    console.log(`\nCPU profiles (in ${profileDir}):`);
    for (const file of samples.flatMap((s) => s.profiles)) {
      if (!existsSync(file)) {
        console.log(`${file}: not written (the process did not exit cleanly)`);
        continue;
      }
      try {
        console.log(formatProfile(file, summarizeProfile(file, 25)));
      } catch (e) {
        console.log(`${file}: unreadable: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return samples.every((s) => s.error === undefined) ? 0 : 1;
}

runMain('peers', main);
