// Running external commands with a hard time limit: every helper and bench
// shells out to `ip`, `iperf3`, `cc`, and none of them may hang a run forever.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { CommandError } from './errors.js';

/** Default limit for a synchronous command. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Options for {@link run}. */
export interface RunOptions {
  /** Kill the command after this many milliseconds (default 30 s). */
  timeoutMs?: number;
}

/** Runs a command synchronously and returns its stdout; throws CommandError with stderr on failure or timeout. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      timeout,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    throw commandError(`${cmd} ${args.join(' ')}`, timeout, e);
  }
}

/** Like {@link run} but reports failure as `undefined` instead of throwing (for probes). */
export function tryRun(cmd: string, args: readonly string[], opts: RunOptions = {}): string | undefined {
  try {
    return run(cmd, args, opts);
  } catch {
    return undefined;
  }
}

/** Shape of the error execFileSync throws; only the fields we read. */
interface ExecFailure {
  status?: number | null;
  signal?: string | null;
  stderr?: string | Buffer;
  code?: string;
  message?: string;
}

function commandError(what: string, timeoutMs: number, e: unknown): CommandError {
  const f = (typeof e === 'object' && e !== null ? e : {}) as ExecFailure;
  const stderr = String(f.stderr ?? '').trim();
  let why: string;
  if (f.code === 'ETIMEDOUT') why = `timed out after ${timeoutMs} ms`;
  else if (f.code !== undefined && f.status == null) why = `could not start (${f.code})`;
  else if (f.signal) why = `killed by ${f.signal}`;
  else why = `exit status ${f.status ?? '?'}`;
  return new CommandError(`${what}: ${why}${stderr ? `: ${stderr}` : ''}`, f.status ?? null, stderr);
}

/** Result of a finished child process. */
export interface Finished {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  /** Signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Everything it wrote to stdout (needs stdio 'pipe'). */
  stdout: string;
  /** Everything it wrote to stderr (needs stdio 'pipe'). */
  stderr: string;
}

/** Collects a spawned child's output until it exits; SIGKILLs it and rejects with CommandError after timeoutMs. */
export function collect(child: ChildProcess, timeoutMs: number, what: string): Promise<Finished> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CommandError(`${what}: timed out after ${timeoutMs} ms: ${stderr.trim()}`, null, stderr.trim()));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new CommandError(`${what}: could not start: ${err.message}`, null, ''));
    });
    // 'close' (not 'exit') so the stdio streams are fully drained.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
