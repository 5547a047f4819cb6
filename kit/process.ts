// The one launcher for long-running processes inside a namespace (`tio up`,
// nebula, wireguard-go): output captured as lines, waits on a log line that
// fail fast if the process dies, and stop() that asks first (SIGTERM, so tio
// sends close_tunnel and writes its profile) before forcing. The namespace's
// destroy() SIGKILLs it on every other exit path.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../src/cli/node-flags.js';
import { collectLines } from './lines.js';
import type { Netns } from './netns.js';
import { waitFor } from './wait.js';

/** The compiled `tio` command. */
export const TIO_MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** How long stop() waits after SIGTERM before SIGKILL, unless told otherwise. */
const STOP_GRACE_MS = 5000;

/** A process spawned in a namespace that runs until stopped. */
export class NsProcess {
  /** Every line it wrote to stdout or stderr, in order. */
  readonly log: string[];
  /** Resolves with the exit code (null when killed by a signal or never started). */
  readonly exited: Promise<number | null>;

  private constructor(
    /** What it is, for messages (e.g. `tio a in tio-soaka-123-0`). */
    readonly what: string,
    readonly child: ChildProcess,
  ) {
    this.log = collectLines(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (e) => {
        this.log.push(`spawn failed: ${e.message}`);
        resolve(null);
      });
    });
  }

  /** Spawns `cmd args` in ns with stdout and stderr piped. */
  static start(ns: Netns, what: string, cmd: string, args: readonly string[], opts: SpawnOptions = {}): NsProcess {
    return new NsProcess(`${what} in ${ns.name}`, ns.spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Its pid. */
  get pid(): number {
    return this.child.pid!;
  }

  /** Whether it is still running. */
  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** A one-line description of how it ended (or that it runs). */
  status(): string {
    if (this.running()) return `${this.what} is running`;
    return `${this.what} exited (${this.child.signalCode ?? `status ${this.child.exitCode}`})`;
  }

  /** Its last output lines, for error messages. */
  output(lines = 20): string {
    return this.log.slice(-lines).join('\n');
  }

  /** Resolves once a log line contains (or matches) text; rejects with the log if it exits first or after timeoutMs. */
  waitForLog(text: string | RegExp, timeoutMs: number): Promise<void> {
    return waitFor(() => {
      if (this.log.some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l)))) return true;
      if (!this.running()) throw new Error(`${this.status()} before logging ${String(text)}:\n${this.log.join('\n')}`);
      return false;
    }, timeoutMs, `${this.what} log ${String(text)}`);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    if (this.running()) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a clean shutdown), SIGKILL after graceMs; resolves with the exit code. */
  async stop(graceMs = STOP_GRACE_MS): Promise<number | null> {
    if (!this.running()) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}

/** A running `tio up`. */
export type TioProcess = NsProcess;

/**
 * Starts `node [tio's NODE_FLAGS] [nodeArgs] tio up -config file` in ns (nodeArgs: e.g. --cpu-prof for a bench);
 * `main` is the CLI entry to run, this checkout's unless a bench compares another build.
 */
export function startTio(ns: Netns, config: string, what = 'tio', nodeArgs: readonly string[] = [], main = TIO_MAIN): TioProcess {
  return NsProcess.start(ns, what, process.execPath, [...NODE_FLAGS, ...nodeArgs, main, 'up', '-config', config]);
}
