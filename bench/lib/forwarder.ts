// A forwarder child process (C reference or TS): started, awaited until it says
// `ready`, stopped with SIGTERM so it can report its counters. It runs in the
// root namespace (it enters the namespaces itself), so the namespace teardown
// does not reach it: a cleanup hook kills it on every exit path instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { onCleanup } from '../../kit/cleanup.js';
import { BenchError } from './errors.js';
import type { ModeSpec } from './modes.js';
import { REF_BIN, TS_FORWARDER } from './paths.js';

/** Where a forwarder's two TUN devices live and which addresses they carry. */
export interface Topology {
  /** Namespace of side A (iperf3 client). */
  nsA: string;
  /** Namespace of side B (iperf3 server). */
  nsB: string;
  /** TUN device name in A. */
  ifA: string;
  /** TUN device name in B. */
  ifB: string;
  /** CIDR address of ifA. */
  addrA: string;
  /** CIDR address of ifB. */
  addrB: string;
}

/** Whether the forwarder configures addresses and links itself (the TS library does, the C reference does not). */
export function configuresLinks(mode: ModeSpec): boolean {
  return mode.impl === 'ts';
}

/**
 * Extra node flags for the TS forwarder child from TIO_BENCH_TS_NODE_ARGS
 * (whitespace-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile
 * it; the profile is written when it exits after SIGTERM.
 */
function tsNodeArgs(): string[] {
  return (process.env.TIO_BENCH_TS_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

function command(mode: ModeSpec, t: Topology): { cmd: string; args: string[] } {
  const common = ['--ns-a', t.nsA, '--ns-b', t.nsB, '--if-a', t.ifA, '--if-b', t.ifB];
  if (mode.impl === 'c') return { cmd: REF_BIN, args: [...common, '--offload', mode.arg] };
  if (!existsSync(TS_FORWARDER)) {
    throw new BenchError('ERR_BENCH_NO_FORWARDER', `${TS_FORWARDER} missing: did tsc compile bench/ts-forwarder.ts?`);
  }
  return {
    cmd: process.execPath,
    args: [...tsNodeArgs(), TS_FORWARDER, ...common, '--addr-a', t.addrA, '--addr-b', t.addrB, '--mode', mode.arg],
  };
}

/** A running forwarder process. */
export class Forwarder {
  private stderr = '';
  private readonly closed: Promise<void>;
  private readonly unregister: () => void;

  private constructor(private readonly child: ChildProcess) {
    this.unregister = onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      // Bounded: only the tail (the stats line, the last error) matters.
      this.stderr = (this.stderr + s).slice(-65536);
    });
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /** Spawns the mode's forwarder and resolves once it printed `ready`; rejects (and kills it) if it exits or times out first. */
  static async start(mode: ModeSpec, t: Topology, timeoutMs: number): Promise<Forwarder> {
    const { cmd, args } = command(mode, t);
    // stdin is a pipe the child may watch: EOF means this process died.
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const fwd = new Forwarder(child);
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(fwd.failure(`not ready after ${timeoutMs} ms`)), timeoutMs);
        child.once('error', (e) => {
          clearTimeout(timer);
          reject(new BenchError('ERR_BENCH_FORWARDER', `${mode.name} forwarder could not start: ${e.message}`));
        });
        child.once('exit', (code, sig) => {
          clearTimeout(timer);
          // Let stderr drain so the message says why.
          void fwd.closed.then(() => reject(fwd.failure(`exited before ready (${sig ?? `status ${code}`})`)));
        });
        child.stdout?.setEncoding('utf8').on('data', (s: string) => {
          out += s;
          if (out.split('\n').includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    } catch (e) {
      await fwd.kill();
      throw e;
    }
    return fwd;
  }

  /** Sends SIGTERM, waits up to graceMs (then SIGKILL), and returns the last JSON line from stderr (its counters), if any. */
  async stop(graceMs = 5_000): Promise<unknown> {
    if (this.running()) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.closed;
    clearTimeout(timer);
    this.unregister();
    return lastJsonLine(this.stderr);
  }

  /** Whether the process is still alive (a forwarder that died mid-run invalidates the measurement). */
  running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The tail of the forwarder's stderr, for error messages. */
  stderrTail(): string {
    return this.stderr.trim().split('\n').slice(-5).join('\n');
  }

  private async kill(): Promise<void> {
    if (this.running()) this.child.kill('SIGKILL');
    // Bounded: a child that never spawned may never emit 'close'.
    await Promise.race([this.closed, sleep(5_000)]);
    this.unregister();
  }

  private failure(why: string): BenchError {
    return new BenchError('ERR_BENCH_FORWARDER', `forwarder ${why}${this.stderr ? `: ${this.stderrTail()}` : ''}`);
  }
}

function lastJsonLine(text: string): unknown {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as unknown;
    } catch {
      // Not a stats line; keep looking.
    }
  }
  return undefined;
}
