// The `copy` write strategy, checked by syscall: a child takes every TUN
// write path (GRO probe, write, writeSuperpacket, writeGSO, the coalescer's
// flush) under strace, and under `copy` not one of them may reach the TUN fd
// through writev; each must be a single write() of the whole packet.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WriteStrategy } from '../../src/index.js';
import type { WritePathsReport } from '../helpers/tun-write-paths.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { collect, tryRun } from '../../kit/run.js';

after(destroyAll);

const CHILD = fileURLToPath(new URL('../helpers/tun-write-paths.js', import.meta.url));
// Skips only where strace is not installed at all; CI installs it (.ci/run).
const skip = rootSkipReason() ?? (tryRun('strace', ['-V']) === undefined ? 'strace not installed' : undefined);

/** One write or writev on a TUN fd, as strace -y printed it. */
interface TunSyscall {
  call: 'write' | 'writev';
  result: number;
}

// `write(17</dev/net/tun>, ""..., 52)   = 52` (strace pads before "=") or `writev(17</dev/net/tun>, [{iov_base=...}, ...], 2) = 52`.
const TUN_WRITE = /^(write|writev)\(\d+<\/dev\/net\/tun>, .*\)\s+=\s+(-?\d+)/;

/** Runs the child under strace (main thread only: every TUN write is made there) and parses its TUN writes. */
async function traceWritePaths(ns: Netns, strategy: WriteStrategy): Promise<{ report: WritePathsReport; calls: TunSyscall[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tio-wstrat-'));
  try {
    const log = join(dir, 'trace');
    const child = spawn('strace', ['-qq', '-y', '-s', '0', '-e', 'trace=write,writev', '-e', 'signal=none', '-o', log,
      process.execPath, CHILD, ns.name, strategy], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = await collect(child, 60_000, `write paths child (${strategy})`);
    assert.equal(r.code, 0, `child failed: ${r.stderr}`);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as WritePathsReport;
    const calls: TunSyscall[] = [];
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      const m = TUN_WRITE.exec(line);
      if (m) calls.push({ call: m[1] as TunSyscall['call'], result: Number(m[2]) });
    }
    return { report, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The syscall that carried each path's packet (matched by its distinct size), or 'missing'. */
function callPerPath(report: WritePathsReport, calls: readonly TunSyscall[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, size] of Object.entries(report.sizes)) {
    const hits = calls.filter((c) => c.result === size).map((c) => c.call);
    out[path] = hits.length === 1 ? hits[0]! : hits.length === 0 ? 'missing' : `ambiguous (${hits.join(', ')})`;
  }
  return out;
}

test("under 'copy' every TUN write path (probe, write, writeSuperpacket, writeGSO, coalescer) is one write(), never writev", { skip, timeout: 120_000 }, async () => {
  const ns = Netns.create('wstrat');
  try {
    const { report, calls } = await traceWritePaths(ns, 'copy');
    assert.equal(report.groWrites, true, `GRO probe refused (errno ${report.groProbeErrno})`);
    const paths = callPerPath(report, calls);
    assert.deepEqual(paths, Object.fromEntries(Object.keys(report.sizes).map((p) => [p, 'write'])));
    assert.deepEqual(calls.filter((c) => c.call === 'writev'), [], 'no writev reaches the TUN fd');
    // The probe goes around the counters; everything else is counted as sent.
    assert.equal(report.txPackets, Object.keys(report.sizes).length - 1);
  } finally {
    ns.destroy();
  }
});

test("under 'writev' the same paths are writev calls (the trace tells the strategies apart)", { skip, timeout: 120_000 }, async () => {
  const ns = Netns.create('wstrat');
  try {
    const { report, calls } = await traceWritePaths(ns, 'writev');
    assert.equal(report.groWrites, true, `GRO probe refused (errno ${report.groProbeErrno})`);
    const paths = callPerPath(report, calls);
    assert.deepEqual(paths, Object.fromEntries(Object.keys(report.sizes).map((p) => [p, 'writev'])));
  } finally {
    ns.destroy();
  }
});
