// The bench side of the flood sender (bench/dos-flood.ts): started in a
// namespace, waited on until its sockets are bound, stopped with SIGTERM and
// read for the rate it achieved. It is a child of the namespace, so the
// namespace's teardown SIGKILLs it on every other exit path, and it stops by
// itself after its --seconds or when our end of its stdin closes.
import type { ChildProcess } from 'node:child_process';
import type { Netns } from '../../kit/netns.js';
import { waitFor } from '../../kit/wait.js';
import type { FloodCert, FloodKind } from './dos-datagrams.js';
import type { FloodEvent } from '../dos-flood.js';
import { BenchError } from './errors.js';
import { DOS_FLOOD } from './paths.js';

/** What to flood, from where, how hard and for how long at most. */
export interface FloodSpec {
  kind: FloodKind;
  /** "ip:port" of the node under attack. */
  target: string;
  /** Source addresses, each already on an interface of the namespace. */
  sources: readonly string[];
  /** Datagrams per second over all sources. */
  rate: number;
  /** Upper bound of the flood's life; the bench stops it sooner. */
  maxSeconds: number;
  /** The certificate a signed flood presents. */
  who?: FloodCert;
}

/** What the sender reports at its end. */
export type FloodSummary = Extract<FloodEvent, { event: 'done' }>;

/** How long the sender may take to bind its sockets (and build a signed template). */
const READY_MS = 15_000;
/** How long after SIGTERM it may take to report; then SIGKILL. */
const STOP_MS = 5_000;

/** A running flood. */
export class Flood {
  private out = '';
  private err = '';
  private readonly events: FloodEvent[] = [];
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      this.out += s;
      let nl: number;
      while ((nl = this.out.indexOf('\n')) >= 0) {
        const line = this.out.slice(0, nl);
        this.out = this.out.slice(nl + 1);
        try {
          this.events.push(JSON.parse(line) as FloodEvent);
        } catch {
          this.err += `${line}\n`;
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.err = (this.err + s).slice(-4096)));
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (e) => {
        this.err += `spawn failed: ${e.message}\n`;
        resolve();
      });
    });
  }

  /** Starts the sender in ns and resolves once it is sending; throws BenchError with its stderr if it is not. */
  static async start(ns: Netns, spec: FloodSpec): Promise<Flood> {
    const args = [DOS_FLOOD, '--target', spec.target, '--sources', spec.sources.join(','), '--rate', String(spec.rate),
      '--seconds', String(spec.maxSeconds), '--kind', spec.kind];
    if (spec.who) args.push('--ca', spec.who.ca, '--cert', spec.who.cert, '--key', spec.who.key);
    // stdin stays a pipe we never write: its EOF tells the sender we are gone.
    const f = new Flood(ns.spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      await waitFor(() => f.events.some((e) => e.event === 'ready') || !f.running(), READY_MS, 'flood sender to bind its sockets');
    } catch (e) {
      await f.kill();
      throw e;
    }
    if (!f.running()) throw new BenchError('ERR_BENCH_FLOOD', `flood sender exited before sending: ${f.err.trim()}`);
    return f;
  }

  /** Whether the sender still runs. */
  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops it (SIGTERM, SIGKILL after STOP_MS) and returns its report; throws BenchError when it gave none. */
  async stop(): Promise<FloodSummary> {
    if (this.running()) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), STOP_MS);
      await this.exited;
      clearTimeout(t);
    }
    const done = this.events.find((e): e is FloodSummary => e.event === 'done');
    if (!done) throw new BenchError('ERR_BENCH_FLOOD', `flood sender gave no report (${this.child.signalCode ?? `status ${this.child.exitCode}`}): ${this.err.trim()}`);
    return done;
  }

  /** SIGKILL and wait (for failure paths). */
  async kill(): Promise<void> {
    if (this.running()) this.child.kill('SIGKILL');
    await this.exited;
  }
}
