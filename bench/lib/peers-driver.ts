// The bench side of the scripted peer (bench/peers-peer.ts): started in a
// namespace, given one command at a time and answered with one event each.
// It is a child of the namespace, so the namespace's teardown SIGKILLs it on
// every other exit path, and it exits by itself when our end of its stdin closes.
import type { ChildProcess } from 'node:child_process';
import type { Netns } from '../../kit/netns.js';
import { BenchError } from './errors.js';
import { PEERS_PEER } from './paths.js';
import { parsePeerEvent, type PeerCommand, type PeerEvent } from './peers-protocol.js';

/** What the peer needs to know at start. */
export interface PeerSpec {
  /** "ip:port" of the node under test. */
  target: string;
  /** The node's overlay address (what the pings go to). */
  nodeIp: string;
  /** CA certificate and key files (the peer signs its own certificates with them). */
  ca: string;
  caKey: string;
  /** Underlay source addresses, each already on an interface of the namespace; peer i uses address i mod their count. */
  addresses: readonly string[];
  /** Peers (certificates) to make. */
  count: number;
  /** Overlay address of peer 0; peer i has this + i. */
  firstIp: string;
}

/** How long the peer may take to sign its certificates. */
const READY_MS = 120_000;
/** Margin on top of a command's own bound. */
const REPLY_MARGIN_MS = 30_000;
/** How long after a quit (then SIGKILL) it may take to exit: writing a CPU profile at exit takes a while. */
const STOP_MS = 30_000;

/** A running scripted peer. */
export class ScriptedPeer {
  private buf = '';
  private err = '';
  private readonly events: PeerEvent[] = [];
  private wake: (() => void) | null = null;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      this.buf += s;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          this.events.push(parsePeerEvent(line));
        } catch (e) {
          this.err = `${this.err}${e instanceof Error ? e.message : String(e)}\n`.slice(-4096);
        }
        this.wake?.();
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.err = (this.err + s).slice(-4096)));
    this.exited = new Promise((resolve) => {
      const done = (): void => {
        this.wake?.();
        resolve();
      };
      child.once('exit', done);
      child.once('error', (e) => {
        this.err += `spawn failed: ${e.message}\n`;
        done();
      });
    });
  }

  /** Starts the peer in ns (`nodeArgs`: options for Node itself, e.g. --cpu-prof); resolves with it and its ready event once its certificates are signed. */
  static async start(ns: Netns, spec: PeerSpec, nodeArgs: readonly string[] = []): Promise<{ peer: ScriptedPeer; ready: Extract<PeerEvent, { event: 'ready' }> }> {
    const args = [...nodeArgs, PEERS_PEER, '--target', spec.target, '--node-ip', spec.nodeIp, '--ca', spec.ca, '--ca-key', spec.caKey,
      '--addresses', spec.addresses.join(','), '--count', String(spec.count), '--first-ip', spec.firstIp];
    // stdin stays a pipe: commands go there, and its EOF tells the peer we are gone.
    const peer = new ScriptedPeer(ns.spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      const e = await peer.next(READY_MS, 'the scripted peer to sign its certificates');
      if (e.event !== 'ready') throw new BenchError('ERR_BENCH_PEER', `scripted peer: expected ready, got ${JSON.stringify(e)}`);
      return { peer, ready: e };
    } catch (e) {
      await peer.kill();
      throw e;
    }
  }

  /** Sends a command and resolves with the event that answers it; an error event or a dead peer rejects. */
  async command(c: PeerCommand, boundMs: number): Promise<PeerEvent> {
    this.child.stdin?.write(`${JSON.stringify(c)}\n`);
    const e = await this.next(boundMs + REPLY_MARGIN_MS, `the scripted peer to answer ${c.op}`);
    if (e.event === 'error') throw new BenchError('ERR_BENCH_PEER', `scripted peer: ${e.message}`);
    return e;
  }

  private running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private async next(timeoutMs: number, what: string): Promise<PeerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.events.shift();
      if (e !== undefined) return e;
      if (!this.running()) throw new BenchError('ERR_BENCH_PEER', `scripted peer exited (${this.child.signalCode ?? `status ${this.child.exitCode}`}) waiting for ${what}: ${this.err.trim()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new BenchError('ERR_BENCH_PEER', `timed out after ${timeoutMs} ms waiting for ${what}: ${this.err.trim()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  /** Asks it to quit, SIGKILL after STOP_MS. */
  async stop(): Promise<void> {
    if (!this.running()) return;
    this.child.stdin?.end(`${JSON.stringify({ op: 'quit' })}\n`);
    const t = setTimeout(() => this.child.kill('SIGKILL'), STOP_MS);
    await this.exited;
    clearTimeout(t);
  }

  /** SIGKILL and wait (for failure paths). */
  async kill(): Promise<void> {
    if (this.running()) this.child.kill('SIGKILL');
    await this.exited;
  }
}
