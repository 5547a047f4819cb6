// `npm run bench:punch -- [--json] [--rounds 5]`
// Time from starting two nodes to the first ping answered between them, in the
// NAT rig (kit/nat-rig.ts): behind two cone NATs (hole punching, nebula's
// default punchy.delay of 1 s and with delay 0) and behind two symmetric NATs
// (through the lighthouse as relay). The lighthouse is up before the clock
// starts. Two figures per round: from starting the nodes (start-up inside) and
// from both nodes logging that their interface is up (pinging starts only then,
// so no ping leaves before the overlay's route exists and none is wasted on the
// 2 s ping timeout: this is the lighthouse and punching path alone). Rounds alternate over the
// scenes so drift on a busy machine hits all alike; min/median/max per scene.
// Two contenders on the same configs: nebula 1.6.1 in every role, and tio in
// every role (`tio up`, kit/process.ts startTio); in the relay scene the
// lighthouse is also the relay (relay.am_relay) for both.
import { parseArgs } from 'node:util';
import { rootSkipReason } from '../kit/netns.js';
import type { SiteMode } from '../kit/nat-rig.js';
import { msToFirstReply } from '../kit/nat-overlay.js';
import { withNatScene } from '../kit/nat-scene.js';
import { nebulaSkipReason } from '../kit/nebula-pki.js';
import type { NsProcess } from '../kit/process.js';
import { BenchError } from './lib/errors.js';
import { runtimeLine, withRuntime } from './lib/runtime.js';

/** One setting measured: modes of both sites and the node options. */
interface Scene {
  name: string;
  modes: readonly SiteMode[];
  relay: boolean;
  punchDelay?: string;
}

/** Who runs every role. */
type Contender = 'nebula 1.6.1' | 'tio';
const CONTENDERS: readonly Contender[] = ['nebula 1.6.1', 'tio'];

const SCENES: readonly Scene[] = [
  { name: 'cone punch (delay 1s)', modes: ['cone', 'cone'], relay: false },
  { name: 'cone punch (delay 0s)', modes: ['cone', 'cone'], relay: false, punchDelay: '0s' },
  { name: 'symmetric via relay', modes: ['symmetric', 'symmetric'], relay: true },
];

/** One round of one scene with one contender in every role: ms to the first reply. */
async function once(scene: Scene, who: Contender, round: number): Promise<{ start: number; up: number }> {
  let result = { start: NaN, up: NaN };
  const program = who === 'tio' ? 'tio' : 'nebula';
  await withNatScene({ tag: `bpunch${round}`, sites: scene.modes, net: 60 }, async (s) => {
    await s.lighthouse(program, { amRelay: scene.relay });
    const t0 = process.hrtime.bigint();
    const nodes: NsProcess[] = [];
    for (const i of [0, 1]) nodes.push(s.node(i, program, { relay: scene.relay, ...(scene.punchDelay ? { punchDelay: scene.punchDelay } : {}) }));
    for (const n of nodes) await n.waitForLog('Nebula interface is active', 30_000);
    const t1 = process.hrtime.bigint();
    const up = await msToFirstReply(s.rig.sites[0]!.node, s.ov.nodes[1]!.ip, t1, 60_000);
    result = { start: Number(t1 - t0) / 1e6 + up, up };
  });
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, rounds: { type: 'string', default: '5' } }, strict: true });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new BenchError('ERR_BENCH_ARGS', `--rounds must be an integer 1..50, got ${values.rounds}`);
  const skip = rootSkipReason() ?? nebulaSkipReason();
  if (skip) throw new BenchError('ERR_BENCH_ENV', skip);
  const key = (s: Scene, who: Contender): string => `${s.name}\u0000${who}`;
  const samples = new Map<string, { start: number; up: number }[]>();
  for (let r = 0; r < rounds; r++) {
    for (const scene of SCENES) {
      for (const who of CONTENDERS) {
        const v = samples.get(key(scene, who)) ?? [];
        v.push(await once(scene, who, r));
        samples.set(key(scene, who), v);
      }
    }
  }
  const rows = SCENES.flatMap((s) => CONTENDERS.map((who) => {
    const all = samples.get(key(s, who))!;
    const v = all.map((x) => x.start).sort((a, b) => a - b);
    const u = all.map((x) => x.up).sort((a, b) => a - b);
    return {
      scene: s.name, contender: who, minMs: Math.round(v[0]!), medianMs: Math.round(v[v.length >> 1]!), maxMs: Math.round(v[v.length - 1]!),
      upMinMs: Math.round(u[0]!), upMedianMs: Math.round(u[u.length >> 1]!), upMaxMs: Math.round(u[u.length - 1]!), rounds,
    };
  }));
  console.log(runtimeLine());
  console.log('ms to the first answered ping between the nodes: from starting them (start-up included) | from both interfaces up');
  for (const r of rows) {
    console.log(`${r.scene.padEnd(24)} ${r.contender.padEnd(12)}  min ${r.minMs}  median ${r.medianMs}  max ${r.maxMs}  | up: min ${r.upMinMs}  median ${r.upMedianMs}  max ${r.upMaxMs}  (${r.rounds} rounds)`);
  }
  for (const s of SCENES) {
    const n = rows.find((r) => r.scene === s.name && r.contender === 'nebula 1.6.1');
    const t = rows.find((r) => r.scene === s.name && r.contender === 'tio');
    if (n && t) console.log(`${s.name.padEnd(24)} tio/nebula median ratio ${(t.medianMs / n.medianMs).toFixed(2)} from start, ${(t.upMedianMs / n.upMedianMs).toFixed(2)} from up`);
  }
  if (values.json) console.log(JSON.stringify(withRuntime({ bench: 'punch', rows })));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
