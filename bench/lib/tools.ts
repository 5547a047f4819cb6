// External tools the bench depends on: installed or built on demand, so a fresh
// machine can run `npm run bench:forward` (and bench:latency's C reference
// tunnel) without manual setup.
import { existsSync, statSync } from 'node:fs';
import { run, tryRun } from '../../kit/run.js';
import { REF_BIN, REF_SRC, REF_TUNNEL_BIN, REF_TUNNEL_SRC, UDP_FLOOD_BIN, UDP_FLOOD_SRC } from './paths.js';

let aptUpdated = false;

/** Installs a Debian package with apt-get if `probe` fails; apt-get update runs at most once per process. */
export function ensureDebPackage(pkg: string, probe: readonly [string, ...string[]]): void {
  const [cmd, ...args] = probe;
  if (tryRun(cmd, args, { timeoutMs: 10_000 }) !== undefined) return;
  process.stderr.write(`installing ${pkg} with apt-get...\n`);
  if (!aptUpdated) {
    run('apt-get', ['update'], { timeoutMs: 300_000 });
    aptUpdated = true;
  }
  run('env', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', pkg], { timeoutMs: 600_000 });
}

/** Builds bin from src with cc -O2 (then `libs`) when it is missing or older than src; returns bin. */
function ensureBuilt(src: string, bin: string, libs: readonly string[] = []): string {
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    process.stderr.write(`building ${bin}...\n`);
    run('cc', ['-O2', '-o', bin, src, ...libs], { timeoutMs: 120_000 });
  }
  return bin;
}

/** Builds bench/ref/forward-ref when it is missing or older than forward.c; returns its path. */
export function ensureRefForwarder(): string {
  return ensureBuilt(REF_SRC, REF_BIN);
}

/** Builds bench/ref/tunnel-ref (linked with OpenSSL's libcrypto) when it is missing or older than tunnel.c; returns its path. */
export function ensureRefTunnel(): string {
  return ensureBuilt(REF_TUNNEL_SRC, REF_TUNNEL_BIN, ['-lcrypto']);
}

/** Builds bench/ref/udp-flood (bench:latency's small-packet sender and sink) when it is missing or older than udp-flood.c; returns its path. */
export function ensureUdpFlood(): string {
  return ensureBuilt(UDP_FLOOD_SRC, UDP_FLOOD_BIN);
}
