// Fault injection at the syscall boundary: a child node runs a script inside a
// namespace under `strace -P /dev/net/tun`, so only syscalls on TUN fds are
// traced and counted, and `-e inject=...` makes chosen ones fail (or return a
// chosen value) without reaching the kernel. Without -f only the main thread,
// where every queue syscall runs, is traced.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from '../../kit/netns.js';
import { collect, tryRun, type Finished } from '../../kit/run.js';

/** Why strace-based tests cannot run here, or undefined. */
export const straceSkipReason: string | undefined =
  tryRun('strace', ['-qq', '-o', '/dev/null', '-e', 'trace=none', 'true']) === undefined ? 'strace (with ptrace) not available' : undefined;

const INDEX_URL = new URL('../../src/index.js', import.meta.url).href;
const NATIVE_URL = new URL('../../src/native.js', import.meta.url).href;
const ICMP_URL = new URL('../../kit/packet.js', import.meta.url).href;

/** What the traced child did: its exit and output, and strace's log of the TUN syscalls. */
export interface TracedRun {
  result: Finished;
  /** strace's output lines (one per traced syscall on a /dev/net/tun fd). */
  log: string[];
}

/**
 * Runs `body` as an ES module in a child node inside `ns`, under strace tracing
 * `syscalls` on TUN fds with the given `-e inject=` specs (e.g.
 * "readv:error=EINTR:when=1"). In scope: tio's exports (`tio`), `native`,
 * `icmpEchoV4`, `isEchoReplyV4`, and `untilEchoReplies(n)`, which waits until
 * the namespace's kernel has sent n echo replies in all (/proc/net/snmp
 * OutEchoReps). The child should print its findings as JSON.
 */
export async function runTraced(ns: Netns, syscalls: readonly string[], injects: readonly string[], body: string, timeoutMs = 30_000): Promise<TracedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'tio-strace-'));
  const logFile = join(dir, 'log');
  try {
    const script = `
      const tio = await import(${JSON.stringify(INDEX_URL)});
      const { native } = await import(${JSON.stringify(NATIVE_URL)});
      const { icmpEchoV4, isEchoReplyV4 } = await import(${JSON.stringify(ICMP_URL)});
      const { readFileSync } = await import('node:fs');
      const echoRepliesSent = () => {
        const [names, values] = readFileSync('/proc/net/snmp', 'utf8').split('\\n').filter((l) => l.startsWith('Icmp:')).map((l) => l.split(/\\s+/));
        return Number(values[names.indexOf('OutEchoReps')]);
      };
      const untilEchoReplies = async (n) => {
        const deadline = Date.now() + 10000;
        while (echoRepliesSent() < n) {
          if (Date.now() > deadline) throw new Error('the kernel sent ' + echoRepliesSent() + ' of ' + n + ' echo replies');
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      ${body}
    `;
    const args = ['-qq', '-o', logFile, '-P', '/dev/net/tun', '-e', `trace=${syscalls.join(',')}`];
    for (const i of injects) args.push('-e', `inject=${i}`);
    args.push(process.execPath, '--input-type=module', '-e', script);
    const child = ns.spawn('strace', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const result = await collect(child, timeoutMs, `traced child (${injects.join(' ')})`);
    let log: string[] = [];
    try {
      log = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.length > 0);
    } catch {
      // strace never started: the result says why.
    }
    return { result, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The log lines strace marked as injected. */
export function injected(log: readonly string[]): string[] {
  return log.filter((l) => l.endsWith('(INJECTED)'));
}
