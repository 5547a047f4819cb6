// A server process of a bench (iperf3's server, the flood sink) started in a
// namespace and waited on until it is bound, so its client never races it.
import { collect, type Finished } from '../../kit/run.js';
import { waitFor, type Netns } from '../../kit/netns.js';
import { BenchError } from './errors.js';

/** Where a server binds and how it is named in errors. */
export interface ServerSpec {
  /** Address and port it binds; `ss` must list them before the client starts. */
  addr: string;
  port: number;
  proto: 'tcp' | 'udp';
  /** How long it may run in all, ms (then it is killed). */
  lifetimeMs: number;
  /** Its name in messages, and the BenchError code when it exits before binding. */
  what: string;
  code: string;
}

/** A bound server: its output once it exits, and stop() (SIGKILL if still running; idempotent). */
export interface BenchServer {
  done: Promise<Finished>;
  stop(): Promise<void>;
}

/** Spawns `cmd args` in ns and resolves once it is bound (at most 10 s); throws with its output if it exits first. */
export async function startServer(ns: Netns, cmd: string, args: readonly string[], spec: ServerSpec): Promise<BenchServer> {
  const child = ns.spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const done = collect(child, spec.lifetimeMs, spec.what);
  let exited = false;
  void done.then(() => (exited = true), () => (exited = true));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await done.catch(() => undefined);
  };
  const flags = spec.proto === 'tcp' ? '-Hltn' : '-Hlun';
  try {
    await waitFor(
      async () => exited || (await ns.execAsync('ss', [flags, 'sport', '=', `:${spec.port}`], { timeoutMs: 5_000 })).includes(`${spec.addr}:${spec.port}`),
      10_000,
      `${spec.what} to bind`,
    );
  } catch (e) {
    await stop();
    throw e;
  }
  if (exited) {
    const r = await done;
    throw new BenchError(spec.code, `${spec.what} exited early (${r.code ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return { done, stop };
}
