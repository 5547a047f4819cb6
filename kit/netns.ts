// Network namespaces and veth pairs for root-only integration tests and benches.
// Every namespace is registered for teardown on exit/SIGINT/SIGTERM, so a failed
// or interrupted run never leaves namespaces (or processes inside them) behind.
import { spawn as spawnChild, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { onCleanup } from './cleanup.js';
import { NetnsError } from './errors.js';
import { collect, run, tryRun, DEFAULT_TIMEOUT_MS } from './run.js';
import { CommandError } from './errors.js';

export { waitFor } from './wait.js';

/** Namespaces created by this process and not yet destroyed. */
const live = new Set<Netns>();
let nsCounter = 0;
let vethCounter = 0;
let cleanupRegistered = false;

/** A network namespace owned by this process, with lo up; children spawned in it die with it. */
export class Netns {
  /** Namespace name as `ip netns` knows it: `tio-${tag}-${pid}-${counter}`. */
  readonly name: string;
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(name: string) {
    this.name = name;
  }

  /** Creates a fresh namespace (ip netns add), brings lo up and registers it for cleanup. */
  static create(tag: string): Netns {
    if (!/^[A-Za-z0-9_]+$/.test(tag)) throw new NetnsError(`bad namespace tag ${JSON.stringify(tag)}: use [A-Za-z0-9_]`);
    if (!cleanupRegistered) {
      cleanupRegistered = true;
      onCleanup(destroyAll);
    }
    const ns = new Netns(`tio-${tag}-${process.pid}-${nsCounter++}`);
    run('ip', ['netns', 'add', ns.name]);
    live.add(ns);
    try {
      run('ip', ['-n', ns.name, 'link', 'set', 'lo', 'up']);
    } catch (e) {
      ns.destroy();
      throw e;
    }
    return ns;
  }

  /**
   * Turns IPv6 off for the namespace's existing and future interfaces, so a device made in it
   * carries only what a test sends: no router solicitations or MLD reports of the kernel's own.
   */
  disableIpv6(): void {
    this.exec('sh', ['-c', 'for k in all default; do echo 1 > /proc/sys/net/ipv6/conf/$k/disable_ipv6; done']);
  }

  /** Runs `ip netns exec NAME cmd args` synchronously, returns stdout; throws CommandError with stderr (default timeout 30 s). */
  exec(cmd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): string {
    this.assertLive();
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS });
  }

  /**
   * Like exec, but without blocking the event loop (needed whenever this process
   * itself serves the traffic, e.g. a tio node pinged from a namespace); rejects
   * with CommandError on a non-zero exit.
   */
  async execAsync(cmd: string, args: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
    const what = `ip netns exec ${this.name} ${[cmd, ...args].join(' ')}`;
    const f = await collect(this.spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, what);
    if (f.code !== 0) throw new CommandError(`${what}: ${f.signal ? `killed by ${f.signal}` : `exit status ${f.code}`}: ${f.stderr.trim()}`, f.code, f.stderr.trim());
    return f.stdout;
  }

  /** Spawns cmd inside the namespace; the child is tracked and SIGKILLed at destroy. */
  spawn(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.assertLive();
    // `ip netns exec` execs cmd in place, so the child's pid is cmd's pid.
    const child = spawnChild('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.once('error', () => this.children.delete(child));
    return child;
  }

  /** Kills its tracked children and anything else left inside, then deletes the namespace; idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    live.delete(this);
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.children.clear();
    // Grandchildren (e.g. a server forked by a spawned shell) are in our
    // namespace too; only processes this run started can be in it.
    const pids = tryRun('ip', ['netns', 'pids', this.name], { timeoutMs: 5_000 }) ?? '';
    for (const pid of pids.split(/\s+/).filter(Boolean).map(Number)) {
      if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    run('ip', ['netns', 'del', this.name], { timeoutMs: 10_000 });
  }

  private assertLive(): void {
    if (this.destroyed) throw new NetnsError(`namespace ${this.name} was destroyed`);
  }
}

/** Options for {@link vethPair}: CIDR addresses for each end and the MTU of both. */
export interface VethOptions {
  /** Address of a's end, CIDR (e.g. 198.18.200.1/24 or fd00::1/64). */
  aAddr?: string;
  /** Address of b's end, CIDR. */
  bAddr?: string;
  /** MTU of both ends (kernel default when omitted). */
  mtu?: number;
}

/** Creates a veth pair with one end in a and the other in b, assigns addresses, sets both up; returns the interface names. */
export function vethPair(a: Netns, b: Netns, opts: VethOptions = {}): { aIf: string; bIf: string } {
  const n = vethCounter++;
  const aIf = `tveth${n}a`;
  const bIf = `tveth${n}b`;
  // Created directly inside the namespaces, so names can never clash with the host's.
  const mtu = opts.mtu === undefined ? [] : ['mtu', String(opts.mtu)];
  run('ip', ['-n', a.name, 'link', 'add', aIf, ...mtu, 'type', 'veth', 'peer', 'name', bIf, ...mtu, 'netns', b.name]);
  for (const [ns, ifName, addr] of [
    [a, aIf, opts.aAddr],
    [b, bIf, opts.bAddr],
  ] as const) {
    if (addr !== undefined) addAddress(ns, ifName, addr);
    run('ip', ['-n', ns.name, 'link', 'set', ifName, 'up']);
  }
  return { aIf, bIf };
}

/** Adds a CIDR address to an interface in ns; IPv6 skips duplicate address detection so it is usable at once. */
export function addAddress(ns: Netns, ifName: string, cidr: string): void {
  const nodad = cidr.includes(':') ? ['nodad'] : [];
  run('ip', ['-n', ns.name, 'addr', 'add', cidr, 'dev', ifName, ...nodad]);
}

/** The name of the interface in ns that holds IPv4 address `addr` (without prefix); throws when none does. */
export function interfaceWith(ns: Netns, addr: string): string {
  const line = run('ip', ['-n', ns.name, '-o', '-4', 'addr', 'show']).split('\n').find((l) => l.includes(` ${addr}/`));
  const name = line === undefined ? undefined : /^\d+:\s+(\S+)\s/.exec(line)?.[1];
  if (name === undefined) throw new Error(`no interface holds ${addr} in ${ns.name}`);
  return name;
}

/** Destroys every namespace this process created; also runs on exit, SIGINT and SIGTERM. */
export function destroyAll(): void {
  for (const ns of [...live]) {
    try {
      ns.destroy();
    } catch (e) {
      process.stderr.write(`netns cleanup of ${ns.name} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

/** Undefined when running as root with /dev/net/tun and `ip` available, else a one-line reason to skip. */
export function rootSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and TUN devices)';
  try {
    accessSync('/dev/net/tun', fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    return 'no usable /dev/net/tun';
  }
  if (tryRun('ip', ['-V'], { timeoutMs: 5_000 }) === undefined) return 'iproute2 `ip` command not available';
  return undefined;
}
