// A long-running tunnel process (tio up, nebula, wireguard-go) inside a bench
// namespace: its output tail is kept for error messages, and stop() asks it to
// exit (SIGTERM, so tio can write its CPU profile) before forcing it. The
// namespace's destroy() SIGKILLs it on every other exit path.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import type { Netns } from '../../kit/netns.js';

/** How much of a daemon's combined stdout/stderr is kept. */
const TAIL_CHARS = 16_384;

/** A process spawned in a namespace that runs until stopped. */
export class Daemon {
  private tail = '';
  private readonly exited: Promise<void>;

  private constructor(
    /** What it is, for messages (e.g. `tio in tio-tun-123-0`). */
    readonly what: string,
    private readonly child: ChildProcess,
  ) {
    const take = (d: Buffer): void => {
      this.tail = (this.tail + d.toString()).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (e) => {
        take(Buffer.from(`\nspawn failed: ${e.message}\n`));
        resolve();
      });
    });
  }

  /** Spawns `cmd args` in ns with piped output. */
  static start(ns: Netns, what: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): Daemon {
    return new Daemon(`${what} in ${ns.name}`, ns.spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Whether it is still running. */
  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Its last output lines, for error messages. */
  output(lines = 20): string {
    return this.tail.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** A one-line description of how it ended (or that it runs). */
  status(): string {
    if (this.running()) return `${this.what} is running`;
    return `${this.what} exited (${this.child.signalCode ?? `status ${this.child.exitCode}`})`;
  }

  /** SIGTERM, SIGKILL after graceMs; resolves once it has exited. */
  async stop(graceMs: number): Promise<void> {
    if (!this.running()) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}
