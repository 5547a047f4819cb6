// Debian packages the tunnel bench runs: probed first, and whatever is missing
// installed in one apt-get call (after one apt-get update), so a fresh machine
// can run `npm run bench:tunnel` without manual setup. The same list names the
// versions a report prints beside its figures.
import { release } from 'node:os';
import { run, tryRun } from '../../kit/run.js';
import { runtime } from './runtime.js';

/** A Debian package and a command that succeeds once it is installed. */
export interface DebTool {
  /** Package name. */
  pkg: string;
  /** Probe command: argv that exits 0 when the tool is usable. */
  probe: readonly [string, ...string[]];
}

export const IPERF3: DebTool = { pkg: 'iperf3', probe: ['iperf3', '--version'] };
export const NEBULA: DebTool = { pkg: 'nebula', probe: ['nebula', '-version'] };
export const NEBULA_CERT: DebTool = { pkg: 'nebula', probe: ['nebula-cert', '-version'] };
export const WIREGUARD_GO: DebTool = { pkg: 'wireguard-go', probe: ['wireguard-go', '--version'] };
export const WG: DebTool = { pkg: 'wireguard-tools', probe: ['wg', '--version'] };
/** A C compiler and OpenSSL's headers, for the C reference tunnel. */
export const CC: DebTool = { pkg: 'gcc', probe: ['cc', '--version'] };
export const LIBSSL_DEV: DebTool = { pkg: 'libssl-dev', probe: ['test', '-e', '/usr/include/openssl/evp.h'] };

function usable(t: DebTool): boolean {
  const [cmd, ...args] = t.probe;
  return tryRun(cmd, args, { timeoutMs: 10_000 }) !== undefined;
}

/**
 * Installs the packages of the tools whose probe fails: `apt-get update` once,
 * then one `apt-get install -y --no-install-recommends` (wireguard-tools would
 * otherwise recommend kernel module builds). Throws CommandError if apt fails
 * or a tool is still unusable afterwards.
 */
export function ensureTools(tools: readonly DebTool[]): void {
  const missing = [...new Set(tools.filter((t) => !usable(t)).map((t) => t.pkg))];
  if (missing.length === 0) return;
  process.stderr.write(`installing ${missing.join(' ')} with apt-get...\n`);
  run('apt-get', ['update'], { timeoutMs: 300_000 });
  run('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '--no-install-recommends', ...missing], { timeoutMs: 600_000 });
  const still = tools.filter((t) => !usable(t));
  if (still.length > 0) throw new Error(`still unusable after apt-get install: ${still.map((t) => t.probe.join(' ')).join(', ')}`);
}

/** The tools a report names the version of: the ones whose figures it prints beside tio's. */
const VERSIONED: readonly DebTool[] = [IPERF3, NEBULA, WIREGUARD_GO];

/**
 * What a run used, for its header and JSON: kernel, Node and OpenSSL, then the
 * version of each of iperf3, nebula and wireguard-go that `tools` (the list
 * given to ensureTools) holds, keyed by package name.
 */
export function runVersions(tools: readonly DebTool[]): Record<string, string> {
  const v: Record<string, string> = { kernel: release(), ...runtime() };
  for (const t of VERSIONED) if (tools.includes(t)) v[t.pkg] = toolVersion(t.probe);
  return v;
}

/** runVersions as one line: "kernel 6.18.4; node 24.5.0; openssl 3.5.1; iperf3 iperf 3.12 ...". */
export function versionsLine(v: Record<string, string>): string {
  return Object.entries(v).map(([k, x]) => `${k} ${x}`).join('; ');
}

/** First line of a tool's version output, or `?` (for the report header). */
export function toolVersion(argv: readonly [string, ...string[]]): string {
  const [cmd, ...args] = argv;
  const out = tryRun(cmd, args, { timeoutMs: 10_000 });
  return out?.split('\n').find((l) => l.trim())?.trim() ?? '?';
}
