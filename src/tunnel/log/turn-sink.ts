/**
 * A LogSink that writes the lines of one event-loop turn with one write. Each line written
 * straight to a pipe cost a write syscall and a wake-up of the reader: a CPU profile of a node
 * answering handshakes under bench:peers had the responder's one info line per handshake
 * (nebula logs the same) at ~300 us, more than its four X25519 operations.
 */
import type { LogSink } from './logger.js';

/** Text held before it is written at once, whatever the turn: 64 KiB, one pipe buffer (Linux's default). */
export const TURN_SINK_MAX_PENDING = 64 * 1024;

/** A sink that collects lines and writes them after the turn; `flush()` writes what it holds now. */
export interface TurnSink {
  readonly sink: LogSink;
  flush(): void;
}

/**
 * Lines logged in one turn go out together, in order, when the turn ends (setImmediate), when
 * TURN_SINK_MAX_PENDING is reached, or when the process exits (`write` must then be synchronous,
 * as process.stderr is for files and pipes on Linux).
 */
export function turnSink(write: (text: string) => void = (t) => process.stderr.write(t)): TurnSink {
  let pending = '';
  let scheduled: NodeJS.Immediate | null = null;
  const flush = (): void => {
    if (scheduled !== null) clearImmediate(scheduled);
    scheduled = null;
    if (pending === '') return;
    const text = pending;
    pending = '';
    write(text);
  };
  process.once('exit', flush);
  const sink: LogSink = (line) => {
    pending += `${line}\n`;
    if (pending.length >= TURN_SINK_MAX_PENDING) flush();
    else scheduled ??= setImmediate(flush);
  };
  return { sink, flush };
}
