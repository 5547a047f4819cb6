// The demo's test rig: two network namespaces joined by a veth pair, the child
// processes running inside them, and a temp dir. Everything it creates is
// recorded here and torn down by one synchronous, idempotent cleanup(), so it
// can run from a signal handler, an 'exit' hook or a finally block alike.
// (The tio library never shells out; the demo orchestrates `ip` like a user would.)
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Namespace names the demo creates: `tio-demo-<pid>-<tag>`. */
export const NETNS_PREFIX = 'tio-demo-';
const NETNS_RE = /^tio-demo-(\d+)-[a-z]+$/;

/** Runs `cmd args` synchronously with a hard time limit; returns stdout, throws an Error naming the command and its stderr. */
export function sh(cmd: string, args: readonly string[], timeoutMs = 15_000): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const f = e as { code?: string; status?: number | null; signal?: string | null; stderr?: string };
    const why = f.code === 'ETIMEDOUT' ? `timed out after ${timeoutMs} ms` : f.code !== undefined && f.status == null ? `could not start (${f.code})` : f.signal ? `killed by ${f.signal}` : `exit status ${f.status ?? '?'}`;
    const stderr = String(f.stderr ?? '').trim();
    throw new Error(`${cmd} ${args.join(' ')}: ${why}${stderr ? `: ${stderr}` : ''}`);
  }
}

function trySh(cmd: string, args: readonly string[], timeoutMs = 15_000): string | undefined {
  try {
    return sh(cmd, args, timeoutMs);
  } catch {
    return undefined;
  }
}

/** Names in `ip netns list` (first word of each line). */
export function listNetns(): string[] {
  return (trySh('ip', ['netns', 'list'], 5_000) ?? '').split('\n').map((l) => l.split(/\s+/)[0]!).filter(Boolean);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killNetnsPids(ns: string): void {
  const pids = (trySh('ip', ['netns', 'pids', ns], 5_000) ?? '').split(/\s+/).filter(Boolean).map(Number);
  for (const pid of pids) {
    if (Number.isInteger(pid) && pid > 1 && pid !== process.pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/**
 * Removes demo namespaces left by an earlier demo run that was SIGKILLed (its pid
 * is gone), with any processes still inside them; returns their names.
 */
export function removeStaleNetns(): string[] {
  const removed: string[] = [];
  for (const ns of listNetns()) {
    const m = NETNS_RE.exec(ns);
    if (m === null || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    killNetnsPids(ns);
    if (trySh('ip', ['netns', 'del', ns], 10_000) !== undefined) removed.push(ns);
  }
  return removed;
}

/** Owns the demo's namespaces, child processes and temp dir. */
export class Rig {
  private readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly dirs: string[] = [];
  private cleaned = false;

  /** Creates namespace `tio-demo-<pid>-<tag>` with lo up; returns its name. */
  addNetns(tag: string): string {
    this.assertLive();
    const name = `${NETNS_PREFIX}${process.pid}-${tag}`;
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** A veth pair between two of our namespaces: addresses (CIDR), MTU, both ends up. */
  addVeth(a: { ns: string; ifName: string; cidr: string }, b: { ns: string; ifName: string; cidr: string }, mtu: number): void {
    this.assertLive();
    // Created inside the namespace, so its names can never clash with the host's interfaces.
    sh('ip', ['-n', a.ns, 'link', 'add', a.ifName, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', b.ifName, 'mtu', String(mtu), 'netns', b.ns]);
    for (const end of [a, b]) {
      sh('ip', ['-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.ifName]);
      sh('ip', ['-n', end.ns, 'link', 'set', end.ifName, 'up']);
    }
  }

  /** Registers a directory to remove at cleanup. */
  addDir(dir: string): void {
    this.dirs.push(dir);
  }

  /** Spawns `cmd args` inside namespace ns (`ip netns exec` execs in place, so the pid is cmd's); tracked until it exits. */
  spawnIn(ns: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    this.assertLive();
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    const forget = (): void => {
      this.children.delete(child);
    };
    child.once('exit', forget);
    child.once('error', forget);
    return child;
  }

  /** True once cleanup() ran. */
  get isCleaned(): boolean {
    return this.cleaned;
  }

  /**
   * Kills every child, anything else inside our namespaces, deletes the namespaces
   * (which removes the veth pair; TUN devices go with the processes holding them)
   * and the temp dirs. Synchronous and idempotent; reports problems on stderr, never throws.
   */
  cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.children.clear();
    for (const ns of this.namespaces.reverse()) {
      try {
        killNetnsPids(ns);
        sh('ip', ['netns', 'del', ns], 10_000);
      } catch (e) {
        process.stderr.write(`tio demo: cleanup of namespace ${ns} failed: ${(e as Error).message}\n`);
      }
    }
    this.namespaces.length = 0;
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.length = 0;
  }

  private assertLive(): void {
    if (this.cleaned) throw new Error('the demo rig was already cleaned up');
  }
}
