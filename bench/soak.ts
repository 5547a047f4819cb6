// npm run soak [-- --bytes 5G --interval 5 --cipher aes --routines 1 --no-verify --json]
//
// Soak: moves --bytes (default 5 GB) over one TCP connection through the
// encrypted tunnel between two `tio up` processes in their own namespaces
// (veth MTU 1500, overlay MTU 1300) and reports, every --interval seconds:
// throughput, RSS and CPU of both nodes, and the kernel's drop counters (TCP
// retransmissions, UDP receive errors, TUN drops). At the end: totals, the
// SHA-256 of both ends, the nodes' exit codes after SIGTERM, and the Stats
// line each node logs at exit (packets, drops by reason). Needs root.
// Bounded: gives up after --max-seconds or when no byte moved for --stall
// seconds; namespaces and processes are removed on every exit path.
// Parts: bench/lib/soak-options.ts, soak-setup.ts (the rig), soak-load.ts
// (the TCP transfer), soak-sampling.ts, soak-report.ts.
import { destroyAll, rootSkipReason } from '../kit/netns.js';
import { nebulaCertSkipReason } from '../kit/nebula-pki.js';
import { GB, parseSoakArgs, SOAK_USAGE, type SoakOptions } from './lib/soak-options.js';
import { DEV_A, DEV_B, setUpSoak } from './lib/soak-setup.js';
import { startSoakLoad, type SoakLoad } from './lib/soak-load.js';
import { baseline, counters, sample, SAMPLE_HEADER, type Baseline } from './lib/soak-sampling.js';
import { reportLines, soakPassed, summarize } from './lib/soak-report.js';

async function main(o: SoakOptions): Promise<number> {
  const skip = rootSkipReason() ?? nebulaCertSkipReason();
  if (skip) {
    process.stderr.write(`soak: ${skip}\n`);
    return 2;
  }
  const say = (s: string): void => {
    if (!o.json) process.stdout.write(`${s}\n`);
  };
  const rig = await setUpSoak(o);
  let load: SoakLoad | undefined;
  try {
    const { ta, tb } = rig;
    say(`soak: ${(o.bytes / GB).toFixed(2)} GB over TCP through tio (cipher ${o.cipher}, routines ${o.routines}, verify ${o.verify ? 'sha256' : 'off'}), nodes pid ${ta.pid} (sender side) and ${tb.pid}`);
    let base!: Baseline;
    load = await startSoakLoad(rig, o, () => (base = baseline(rig)));
    say('');
    say(SAMPLE_HEADER);
    const sampled = await sample(rig, load, o, base, say);
    const end = { a: counters(ta.pid, DEV_A), b: counters(tb.pid, DEV_B) };
    // Clean shutdown: SIGTERM sends close_tunnel, and each node logs its Stats line on the way out.
    const exit = { a: await ta.stop(), b: await tb.stop() };
    const outcome = { sampled, base, end, sink: load.sinkDone, sinkBytes: load.sink.progress(), source: load.sourceDone, exit, log: [...ta.log, ...tb.log] };
    const summary = summarize(o, outcome);
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else for (const l of reportLines(o, summary, outcome, { sink: load.sink.stderr(), source: load.source.stderr() })) say(l);
    return soakPassed(o, summary) ? 0 : 1;
  } finally {
    load?.kill();
    await rig.dispose();
  }
}

let opts: SoakOptions | 'help';
try {
  opts = parseSoakArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`soak: ${(e as Error).message}\n`);
  process.exit(2);
}
if (opts === 'help') process.stdout.write(`${SOAK_USAGE}\n`);
else {
  main(opts).then(
    (code) => {
      destroyAll();
      process.exitCode = code;
    },
    (e: unknown) => {
      destroyAll();
      process.stderr.write(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
