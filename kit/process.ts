// `tio up -config FILE` as a child process inside a namespace, with its log
// captured, for tests that kill and restart nodes.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { collectLines } from './lines.js';
import type { Netns } from './netns.js';
import { waitFor } from './wait.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** A running `tio up`. */
export interface TioProcess {
  child: ChildProcess;
  pid: number;
  log: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  waitForLog(text: string | RegExp, timeoutMs: number): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM (clean shutdown, close_tunnel), SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `tio up -config file` in ns. */
export function startTio(ns: Netns, config: string): TioProcess {
  const child = ns.spawn(process.execPath, [MAIN, 'up', '-config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = collectLines(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid!,
    log,
    exited,
    waitForLog: (text, timeoutMs) => waitFor(() => {
      if (log.some((l) => (typeof text === 'string' ? l.includes(text) : text.test(l)))) return true;
      if (gone()) throw new Error(`tio exited (${String(child.exitCode ?? child.signalCode)}) before logging ${String(text)}:\n${log.join('\n')}`);
      return false;
    }, timeoutMs, `tio log ${String(text)}`),
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (gone()) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}
