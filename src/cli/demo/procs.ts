// Child processes of the demo: `tio up` nodes and the TCP endpoints, with their
// output collected line by line and every wait bounded in time.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Rig } from './rig.js';
import { NODE_FLAGS } from '../node-flags.js';

/** dist/src/cli/main.js: the `tio` command the nodes run. */
export const MAIN_JS = fileURLToPath(new URL('../main.js', import.meta.url));
/** dist/src/cli/demo/endpoint.js: the TCP sender/receiver. */
export const ENDPOINT_JS = fileURLToPath(new URL('./endpoint.js', import.meta.url));

/** Calls onLine for each complete line the stream writes. */
export function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (stream === null) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line) onLine(line);
    }
  });
}

/** Resolves with the first value `check` returns that is not undefined, re-checked on every line; rejects at the deadline or when the child has closed first. */
export function waitForLine<T>(c: Collected, check: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const { child, lines } = c;
  return new Promise((resolve, reject) => {
    const scan = (): boolean => {
      for (const l of lines) {
        const v = check(l);
        if (v !== undefined) {
          done();
          resolve(v);
          return true;
        }
      }
      return false;
    };
    const onData = (): void => {
      setImmediate(scan);
    };
    const onClose = (): void => {
      if (scan()) return;
      done();
      const how = child.signalCode ?? `status ${child.exitCode}`;
      reject(new Error(`${what}: the process exited (${how}) first${tail(lines)}`));
    };
    const timer = setTimeout(() => {
      if (scan()) return;
      done();
      reject(new Error(`${what}: nothing after ${timeoutMs} ms${tail(lines)}`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('close', onClose);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    // 'close', not 'exit': by then every line it wrote has been read.
    child.once('close', onClose);
    if (c.closed) onClose();
    else scan();
  });
}

function tail(lines: readonly string[]): string {
  const last = lines.slice(-5);
  return last.length ? `; last output:\n    ${last.join('\n    ')}` : '';
}

/** A child with its stdout and stderr lines collected (both, in arrival order). */
export interface Collected {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves once it has exited and its output is read ('close'). */
  readonly exited: Promise<void>;
  /** True after 'close'. */
  closed: boolean;
}

/** Spawns `node script args` in ns and collects its output; the `tio` command (MAIN_JS) with its NODE_FLAGS. */
export function spawnNode(rig: Rig, ns: string, script: string, args: readonly string[]): Collected {
  const flags = script === MAIN_JS ? NODE_FLAGS : [];
  const child = rig.spawnIn(ns, process.execPath, [...flags, script, ...args]);
  const lines: string[] = [];
  eachLine(child.stdout, (l) => lines.push(l));
  eachLine(child.stderr, (l) => lines.push(l));
  let onClose!: () => void;
  const c: Collected = { child, lines, exited: new Promise<void>((r) => (onClose = r)), closed: false };
  child.once('close', () => {
    c.closed = true;
    onClose();
  });
  // A failed spawn also ends in 'close'; keep 'error' from being unhandled.
  child.on('error', (e) => lines.push(`spawn error: ${e.message}`));
  return c;
}

/** Parses a JSON object line, or undefined. */
export function jsonLine<T>(line: string): T | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves when it has exited. */
export async function stopChild(c: Collected, graceMs = 5000): Promise<void> {
  const { child } = c;
  if (c.closed) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await c.exited;
  clearTimeout(t);
}
