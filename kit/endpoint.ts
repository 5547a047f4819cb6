// The parent's side of the sink/source child programs (tcp-endpoint.ts,
// udp-endpoint.ts): they print one JSON object per line on stdout,
//   {"listening":true}           the sink is bound and ready,
//   {"p":BYTES}                  progress (sinks asked for it),
//   {"done":true, ...report}     their side of the transfer is complete,
// and this reads those lines into promises, bounded by a timeout.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How much of a child's stderr is kept for error messages. */
const STDERR_KEEP = 4000;

/** A running endpoint child as its parent sees it. */
export interface EndpointChild<T> {
  child: ChildProcess;
  /** Resolves at {"listening":true}; rejects if the child ends or times out first. */
  listening: Promise<void>;
  /** Resolves with the {"done":true} report (without `done`); rejects if the child ends or times out first. */
  done: Promise<T>;
  /** The latest {"p":BYTES} progress figure (the done report's bytes once finished, when it has them). */
  progress(): number;
  /** The tail of what the child wrote to stderr. */
  stderr(): string;
}

/**
 * Watches child (spawned with stdout and stderr piped) speaking the line
 * protocol above; after timeoutMs (none when omitted) it is SIGKILLed and both
 * promises reject with its stderr.
 */
export function watchEndpoint<T>(child: ChildProcess, what: string, timeoutMs?: number): EndpointChild<T> {
  let stderr = '';
  let progress = 0;
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_KEEP)));
  let onListening!: () => void;
  let onDone!: (r: T) => void;
  let onFail!: (e: Error) => void;
  const listening = new Promise<void>((res, rej) => {
    onListening = res;
    child.once('close', () => rej(new Error(`${what} exited before listening: ${stderr}`)));
  });
  const done = new Promise<T>((res, rej) => {
    onDone = res;
    onFail = rej;
  });
  // Only failures nobody awaits stay quiet: a caller awaits the one it needs.
  listening.catch(() => undefined);
  done.catch(() => undefined);
  const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
    child.kill('SIGKILL');
    onFail(new Error(`${what} timed out after ${timeoutMs} ms ${stderr}`));
  }, timeoutMs);
  createInterface({ input: child.stdout! }).on('line', (l) => {
    if (!l.startsWith('{')) return;
    const m = JSON.parse(l) as Record<string, unknown>;
    if (m.listening === true) onListening();
    else if (typeof m.p === 'number') progress = m.p;
    else if (m.done === true) {
      clearTimeout(timer);
      const { done: _, ...report } = m;
      if (typeof report.bytes === 'number') progress = report.bytes;
      onDone(report as T);
    }
  });
  // 'close', not 'exit': a report written just before exiting is read first.
  child.once('close', (code, signal) => {
    clearTimeout(timer);
    onFail(new Error(`${what} exited with ${String(code ?? signal)} before reporting: ${stderr}`));
  });
  return { child, listening, done, progress: () => progress, stderr: () => stderr };
}
