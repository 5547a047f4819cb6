// The tunnels the bench compares, each set up the same way: namespaces A and B
// joined by a veth pair (MTU 1500), a tunnel endpoint in each with overlay MTU
// 1300, then traffic from A to B's overlay address. `veth` is the bare
// underlay, for scale. The `_relayed` contenders add a third namespace, the
// relay, and cut A-B (bench/lib/tunnel-relayed.ts). `c_ref` is a minimal C
// tunnel of tio's design (bench/ref/tunnel.c), the latency bench's yardstick.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Netns } from '../../kit/netns.js';
import type { HostFiles, TestPki } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import { NsProcess, startTio, TIO_MAIN } from '../../kit/process.js';
import { waitFor } from '../../kit/wait.js';
import { BenchError } from './errors.js';
import { ensureRefTunnel } from './tools.js';
import { startRelayed, type StartNode } from './tunnel-relayed.js';
import { CC, IPERF3, LIBSSL_DEV, NEBULA, NEBULA_CERT, WG, WIREGUARD_GO, type DebTool } from './tunnel-tools.js';

/** Underlay (veth) addresses. */
export const UNDER_NET = 30;
export const UNDER_A = `198.18.${UNDER_NET}.1`;
export const UNDER_B = `198.18.${UNDER_NET}.2`;
export const UNDER_PREFIX = 24;
/** Overlay addresses (certificates and wireguard interfaces). */
export const OVER_A = '198.19.0.1';
export const OVER_B = '198.19.0.2';
export const OVER_PREFIX = 16;
/** MTU of the veth underlay and of every tunnel interface. */
export const UNDER_MTU = 1500;
export const OVER_MTU = 1300;

/** What a contender gets to set itself up in one measurement. */
export interface SetupContext {
  a: Netns;
  b: Netns;
  /** CA and host certificates a (OVER_A) and b (OVER_B). */
  pki: TestPki;
  /** Scratch dir for configs and keys (removed at exit). */
  workDir: string;
  /** Round number (1-based), for file names. */
  round: number;
  /** When set: profile tio processes into this dir. */
  profileDir?: string;
}

/** A tunnel that is up: where to send traffic, and how to take it down. */
export interface RunningTunnel {
  /** Address in B that iperf3 binds to and A connects to. */
  serverAddr: string;
  /** undefined while healthy, else why not (a process died), with its output. */
  problem(): string | undefined;
  /** Stops its processes (gracefully first); idempotent. */
  stop(): Promise<void>;
  /** Pids of the tunnel's processes (none for the bare veth), for their CPU time. */
  pids: number[];
  /** Profile files this run will have written once stopped. */
  profiles: string[];
}

/** One contender of the bench. */
export interface Contender {
  name: string;
  /** Debian tools it needs (iperf3 comes on top for all). */
  tools: readonly DebTool[];
  /** Starts the tunnel in ctx.a / ctx.b; the caller waits until it carries traffic. */
  start(ctx: SetupContext): Promise<RunningTunnel>;
  /** Nebula-config contenders: starts one more node of the same kind (bench:dos's newcomer C); tio's take Node options (`nodeArgs`, e.g. --cpu-prof), others ignore them. */
  startNode?(spec: NodeSpec, nodeArgs?: readonly string[]): NsProcess;
}

/** One Nebula-config node: who it is, where it listens, whom it knows. */
export interface NodeSpec {
  ns: Netns;
  pki: TestPki;
  me: HostFiles;
  /** Underlay address it listens on (port 4242, as writeNodeConfig writes). */
  listen: string;
  /** Static hosts: [peer, its underlay address]. */
  peers: readonly [HostFiles, string][];
  /** TUN device name (namespaces keep equal names apart). */
  dev: string;
  /** Side, for messages and file names (a, b, c...). */
  side: string;
}

/** Daemons' health and teardown as one RunningTunnel. */
function daemonsTunnel(serverAddr: string, daemons: readonly NsProcess[], graceMs: number, profiles: string[] = [], after?: () => void): RunningTunnel {
  let stopped: Promise<void> | undefined;
  return {
    serverAddr,
    profiles,
    // A getter: wireguard-go adds its daemons to the list one by one.
    get pids() {
      return daemons.map((d) => d.pid);
    },
    problem() {
      const dead = daemons.find((d) => !d.running());
      return dead ? `${dead.status()}:\n${dead.output()}` : undefined;
    },
    stop() {
      stopped ??= Promise.all(daemons.map((d) => d.stop(graceMs))).then(() => after?.());
      return stopped;
    },
  };
}

function hosts(pki: TestPki): { ha: HostFiles; hb: HostFiles } {
  const ha = pki.hosts.get('a');
  const hb = pki.hosts.get('b');
  if (!ha || !hb) throw new BenchError('ERR_BENCH_PKI', 'PKI lacks hosts a and b');
  return { ha, hb };
}

/** How a tio contender runs: its `tio:` section, its `routines` (queue pairs) and which build. */
interface TioSetup {
  offload: 'auto' | 'off';
  gro: boolean;
  routines: number;
  /** The CLI entry (dist/src/cli/main.js) of the build to run. */
  main: string;
}

/** Two `tio up` processes from Nebula configs with a `tio:` section. */
function tioContender(name: string, tio: TioSetup): Contender {
  const extra = `tio:\n  offload: ${tio.offload}\n  gro: ${tio.gro}\nroutines: ${tio.routines}\n`;
  // The config name must be a file name: a baseline contender's has an '@'.
  const file = name.replace(/[^\w-]/g, '_');
  const node = (spec: NodeSpec, nodeArgs: readonly string[] = []): NsProcess => {
    if (!existsSync(tio.main)) throw new BenchError('ERR_BENCH_NO_TIO', `${tio.main} missing: run tsc first`);
    const cfg = writeNodeConfig(spec.pki, spec.me, spec.listen, spec.peers, { cipher: 'aes', mtu: OVER_MTU, level: 'info', extra, dev: spec.dev }, file);
    return startTio(spec.ns, cfg, `${name} ${spec.side}`, nodeArgs, tio.main);
  };
  return {
    name,
    tools: [NEBULA_CERT],
    startNode: (spec, nodeArgs) => node(spec, nodeArgs),
    async start(ctx) {
      const { ha, hb } = hosts(ctx.pki);
      const profiles: string[] = [];
      const nodeArgs = (side: string): string[] => {
        if (!ctx.profileDir) return [];
        const prof = `${file}-r${ctx.round}-${side}.cpuprofile`;
        profiles.push(join(ctx.profileDir, prof));
        return ['--cpu-prof', `--cpu-prof-dir=${ctx.profileDir}`, `--cpu-prof-name=${prof}`];
      };
      const da = node({ ns: ctx.a, pki: ctx.pki, me: ha, listen: UNDER_A, peers: [[hb, UNDER_B]], dev: 'tioa', side: 'a' }, nodeArgs('a'));
      const db = node({ ns: ctx.b, pki: ctx.pki, me: hb, listen: UNDER_B, peers: [[ha, UNDER_A]], dev: 'tiob', side: 'b' }, nodeArgs('b'));
      // Writing a CPU profile at exit takes a while; give it time before SIGKILL.
      return daemonsTunnel(OVER_B, [da, db], ctx.profileDir ? 30_000 : 5_000, profiles);
    },
  };
}

/** One Debian nebula from the same kind of config tio reads. */
function nebulaNode(spec: NodeSpec): NsProcess {
  const cfg = writeNodeConfig(spec.pki, spec.me, spec.listen, spec.peers, { cipher: 'aes', mtu: OVER_MTU, level: 'info', dev: spec.dev }, 'nebula');
  return NsProcess.start(spec.ns, `nebula ${spec.side}`, 'nebula', ['-config', cfg]);
}

/** Debian's nebula on both ends, same configs. */
const nebula: Contender = {
  name: 'nebula',
  tools: [NEBULA, NEBULA_CERT],
  startNode: nebulaNode,
  async start(ctx) {
    const { ha, hb } = hosts(ctx.pki);
    const da = nebulaNode({ ns: ctx.a, pki: ctx.pki, me: ha, listen: UNDER_A, peers: [[hb, UNDER_B]], dev: 'neb0', side: 'a' });
    const db = nebulaNode({ ns: ctx.b, pki: ctx.pki, me: hb, listen: UNDER_B, peers: [[ha, UNDER_A]], dev: 'neb0', side: 'b' });
    return daemonsTunnel(OVER_B, [da, db], 5_000);
  },
};

const WG_PORT = 51820;
const WG_SOCK_DIR = '/var/run/wireguard';
/** Our wireguard interfaces: unique per bench process, since the UAPI socket dir is shared by all namespaces. */
const WG_IFS = [`wga${process.pid}`, `wgb${process.pid}`] as const;

/** Removes the UAPI sockets a killed wireguard-go of ours may have left (idempotent; for exit hooks). */
export function removeWireguardSockets(): void {
  for (const ifName of WG_IFS) rmSync(join(WG_SOCK_DIR, `${ifName}.sock`), { force: true });
}

/** wireguard-go in each namespace, configured with wg; interface names carry our pid (the UAPI socket dir is not per namespace). */
const wireguardGo: Contender = {
  name: 'wireguard_go',
  tools: [WIREGUARD_GO, WG],
  async start(ctx) {
    const keys = (side: string): { keyFile: string; pub: string } => {
      const priv = execFileSync('wg', ['genkey'], { encoding: 'utf8', timeout: 10_000 });
      const pub = execFileSync('wg', ['pubkey'], { input: priv, encoding: 'utf8', timeout: 10_000 }).trim();
      const keyFile = join(ctx.workDir, `wg-${side}.key`);
      writeFileSync(keyFile, priv, { mode: 0o600 });
      return { keyFile, pub };
    };
    const sides = [
      { ns: ctx.a, ifName: WG_IFS[0], me: OVER_A, peer: OVER_B, peerUnder: UNDER_B, ...keys('a') },
      { ns: ctx.b, ifName: WG_IFS[1], me: OVER_B, peer: OVER_A, peerUnder: UNDER_A, ...keys('b') },
    ] as const;
    const daemons: NsProcess[] = [];
    const tunnel = daemonsTunnel(OVER_B, daemons, 5_000, [], removeWireguardSockets);
    try {
      for (const s of sides) {
        const sock = join(WG_SOCK_DIR, `${s.ifName}.sock`);
        if (existsSync(sock)) throw new BenchError('ERR_BENCH_WG', `${sock} exists: another wireguard-go uses ${s.ifName}`);
        const d = NsProcess.start(s.ns, `wireguard-go ${s.ifName}`, 'wireguard-go', ['-f', s.ifName], {
          env: { ...process.env, WG_PROCESS_FOREGROUND: '1' },
        });
        daemons.push(d);
        await waitFor(() => existsSync(sock) || !d.running(), 10_000, `${sock}`);
        if (!d.running()) throw new BenchError('ERR_BENCH_WG', `${d.status()}:\n${d.output()}`);
      }
      for (const [s, peer] of [
        [sides[0], sides[1]],
        [sides[1], sides[0]],
      ] as const) {
        await s.ns.execAsync('wg', ['set', s.ifName, 'private-key', s.keyFile, 'listen-port', String(WG_PORT),
          'peer', peer.pub, 'endpoint', `${s.peerUnder}:${WG_PORT}`, 'allowed-ips', `${s.peer}/32`]);
        await s.ns.execAsync('ip', ['addr', 'add', `${s.me}/${OVER_PREFIX}`, 'dev', s.ifName]);
        await s.ns.execAsync('ip', ['link', 'set', s.ifName, 'mtu', String(OVER_MTU), 'up']);
      }
    } catch (e) {
      await tunnel.stop();
      throw e;
    }
    return tunnel;
  },
};

/** UDP port of the C reference tunnel: any port free in namespaces of our own; nebula's 4242 plus one. */
const REF_PORT = 4243;

/** bench/ref/tunnel.c in each namespace: a pre-shared random key, configured with ip like wireguard-go. */
const cRef: Contender = {
  name: 'c_ref',
  tools: [CC, LIBSSL_DEV],
  async start(ctx) {
    const bin = ensureRefTunnel();
    const key = randomBytes(32).toString('hex');
    const sides = [
      { ns: ctx.a, id: 0, me: OVER_A, local: UNDER_A, peer: UNDER_B },
      { ns: ctx.b, id: 1, me: OVER_B, local: UNDER_B, peer: UNDER_A },
    ] as const;
    const daemons: NsProcess[] = [];
    const tunnel = daemonsTunnel(OVER_B, daemons, 5_000);
    try {
      for (const s of sides) {
        const d = NsProcess.start(s.ns, `tunnel-ref ${s.id}`, bin, ['--tun', 'ref0', '--id', String(s.id), '--local', s.local, '--peer', s.peer, '--port', String(REF_PORT), '--key', key]);
        daemons.push(d);
        await d.waitForLog('ready', 10_000);
        await s.ns.execAsync('ip', ['addr', 'add', `${s.me}/${OVER_PREFIX}`, 'dev', 'ref0']);
        await s.ns.execAsync('ip', ['link', 'set', 'ref0', 'mtu', String(OVER_MTU), 'up']);
      }
    } catch (e) {
      await tunnel.stop();
      throw e;
    }
    return tunnel;
  },
};

/** The bare veth: no tunnel, underlay addresses. */
const veth: Contender = {
  name: 'veth',
  tools: [],
  async start() {
    return { serverAddr: UNDER_B, profiles: [], pids: [], problem: () => undefined, stop: async () => undefined };
  },
};

/** A program through a relay of its own kind: lighthouse+relay R between A and B, no direct path. */
function relayedContender(name: string, tools: readonly DebTool[], extra: string | undefined, start: StartNode): Contender {
  return {
    name,
    tools,
    async start(ctx) {
      const opts = { cipher: 'aes' as const, mtu: OVER_MTU, level: 'info', ...(extra === undefined ? {} : { extra }) };
      const { daemons, relay } = await startRelayed(ctx.a, ctx.b, ctx.pki, opts, name, start);
      return daemonsTunnel(OVER_B, daemons, 5_000, [], () => relay.destroy());
    },
  };
}

/** tio via a tio relay, single-queue nodes. */
const tioRelayed = relayedContender('tio_relayed', [NEBULA_CERT], 'tio:\n  offload: auto\n  gro: true\nroutines: 1\n',
  (ns, cfg, what) => startTio(ns, cfg, what));
/** nebula via a nebula relay. */
const nebulaRelayed = relayedContender('nebula_relayed', [NEBULA, NEBULA_CERT], undefined,
  (ns, cfg, what) => NsProcess.start(ns, what, 'nebula', ['-config', cfg]));

/** tio's contenders: name and setup, with this checkout's build. */
const TIO_SETUPS: readonly [string, Omit<TioSetup, 'main'>][] = [
  ['tio', { offload: 'auto', gro: true, routines: 1 }],
  // Two queue pairs, each run by its own thread (docs/ARCHITECTURE.md "Threads and queues").
  ['tio_r2', { offload: 'auto', gro: true, routines: 2 }],
  ['tio_plain', { offload: 'off', gro: false, routines: 1 }],
];

/** Suffix of a contender that runs another build (`--baseline`). */
export const BASELINE_SUFFIX = '@base';

/**
 * The twins of tio contenders `names` that run the build in `checkout` (a clone with
 * `npm install` done): the same setup, another commit, measured in the same run.
 */
export function baselineContenders(checkout: string, names: readonly string[]): Contender[] {
  const main = join(checkout, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new BenchError('ERR_BENCH_ARGS', `--baseline: ${main} missing: run npm install (or tsc) in ${checkout}`);
  return TIO_SETUPS.filter(([n]) => names.includes(n)).map(([n, setup]) => tioContender(`${n}${BASELINE_SUFFIX}`, { ...setup, main }));
}

/**
 * `contenders` with, when `checkout` is given, each tio contender's twin on that build right after
 * it (the two run back to back in every round); BenchError ERR_BENCH_ARGS if none has a twin.
 */
export function withBaselines(contenders: readonly Contender[], checkout: string | undefined): Contender[] {
  if (checkout === undefined) return [...contenders];
  const names = contenders.map((c) => c.name);
  const twins = baselineContenders(checkout, names);
  if (twins.length === 0) throw new BenchError('ERR_BENCH_ARGS', '--baseline needs a tio contender in --only');
  return contenders.flatMap((c) => [c, ...twins.filter((t) => t.name === `${c.name}${BASELINE_SUFFIX}`)]);
}

/** Every contender, in the order each round runs them. */
export const CONTENDERS: readonly Contender[] = [
  ...TIO_SETUPS.map(([n, setup]) => tioContender(n, { ...setup, main: TIO_MAIN })),
  nebula,
  tioRelayed,
  nebulaRelayed,
  wireguardGo,
  veth,
];

/** Contenders that only the latency bench runs (bench:tunnel compares the tunnels users install). */
export const LATENCY_ONLY: readonly Contender[] = [cRef];

/** Tools every run needs. */
export const BASE_TOOLS: readonly DebTool[] = [IPERF3];
