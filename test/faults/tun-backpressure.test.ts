// Writes into a TUN that cannot take them right now must back off, never spin,
// never crash, and settle when the queue closes.
//
// A TUN write only returns EAGAIN when the queue's socket send buffer is full
// of skbs the kernel has not processed yet. The test makes that happen for
// real: receive packet steering (RPS) hands written packets to the other CPU's
// backlog, and a tiny TUNSETSNDBUF (set by a 10-line C helper sharing the
// queue fd, since tio has no API for it) makes those few skbs fill the buffer.
// - sndbuf 4096: a flood of writes hits EAGAIN, waits for writability
//   (txWaits > 0) and every write completes, in bounded time;
// - sndbuf 1: the socket never reports writable again; the waiting writes
//   stay parked without spinning (txWaits stays put, little CPU) and all
//   reject with ClosedError when the device closes; no fd is left.
// Also: a link that is down refuses writes (EIO) promptly, and an overlay node
// whose TUN link goes down must survive it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClosedError, LinkDownError, TunDevice, type Queue } from '../../src/index.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { ipU32 } from '../helpers/overlay.js';
import { run, tryRun } from '../../kit/run.js';
import { OVERLAY_A, OVERLAY_B, fdCount, withNodePair, within } from './topology.js';
import { nodeInternals } from '../../src/tunnel/node/testing.js';
import { build } from '../../kit/packet.js';

const rootSkip = rootSkipReason();
after(destroyAll);

const HELPER_C = `#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/if_tun.h>
/* Sets TUNSETSNDBUF on fd 3 (a TUN queue fd shared by the parent). */
int main(int argc, char **argv) {
  int v = argc > 1 ? atoi(argv[1]) : 0;
  if (ioctl(3, TUNSETSNDBUF, &v) < 0) { perror("TUNSETSNDBUF"); return 1; }
  return 0;
}
`;

let helperDir: string | undefined;
let helper: string | undefined;
function sndbufHelper(): string | undefined {
  if (helper) return helper;
  if (tryRun('cc', ['--version'], { timeoutMs: 5000 }) === undefined) return undefined;
  helperDir = mkdtempSync(join(tmpdir(), 'tio-sndbuf-'));
  writeFileSync(join(helperDir, 'sndbuf.c'), HELPER_C);
  run('cc', ['-O2', '-o', join(helperDir, 'sndbuf'), join(helperDir, 'sndbuf.c')], { timeoutMs: 30_000 });
  helper = join(helperDir, 'sndbuf');
  return helper;
}
after(() => {
  if (helperDir) rmSync(helperDir, { recursive: true, force: true });
});

const eagainSkip = rootSkip ?? (cpus().length < 2 ? 'needs 2 CPUs (RPS to the other CPU is what keeps skbs in flight)' : undefined)
  ?? (tryRun('cc', ['--version'], { timeoutMs: 5000 }) === undefined ? 'needs a C compiler for the TUNSETSNDBUF helper' : undefined);

function setSndbuf(q: Queue, bytes: number): void {
  const r = spawnSync(sndbufHelper()!, [String(bytes)], { stdio: ['ignore', 'ignore', 'pipe', q.fileDescriptor], timeout: 10_000 });
  if (r.status !== 0) throw new Error(`TUNSETSNDBUF ${bytes} failed: ${String(r.stderr)}`);
}

/**
 * An IPv4/UDP packet of `size` bytes to 198.18.66.99 (on the TUN's subnet, not
 * local, forwarding off: the kernel drops it quietly). Big packets make big
 * skbs, so a few in flight fill a small send buffer.
 */
function udpPacket(sport: number, size = 1400): Buffer {
  // UDP checksum 0: none (IPv4).
  return build({ version: 4, proto: 'udp', src: '198.18.66.2', dst: '198.18.66.99', sport, dport: 9, payload: new Uint8Array(size - 28), id: 0, df: false, udpNoChecksum: true });
}

function openSteered(ns: Netns, name: string): TunDevice {
  const d = TunDevice.open({ name, netns: ns.name, addresses: ['198.18.66.1/24'] });
  // Steer received packets to every CPU's backlog: some land on the other CPU and stay charged to the queue for a while.
  const mask = ((1 << Math.min(cpus().length, 30)) - 1).toString(16);
  ns.exec('sh', ['-c', `echo ${mask} > /sys/class/net/${name}/queues/rx-0/rps_cpus`]);
  return d;
}

test('EAGAIN on TUN writes: a flood waits for writability and every write completes', { skip: eagainSkip, timeout: 90_000 }, async () => {
  const ns = Netns.create('bpf');
  const before = fdCount();
  const d = openSteered(ns, 'tbp0');
  try {
    const q = d.queues[0]!;
    setSndbuf(q, 4096);
    const N = 20_000;
    // Whether the other CPU lags behind is up to the scheduler: flood again (bounded) until EAGAIN was hit.
    for (let round = 1; round <= 5 && q.stats().txWaits === 0; round++) {
      const sent0 = q.stats().txPackets;
      let ok = 0;
      const errors: string[] = [];
      const writes: Promise<void>[] = [];
      const t0 = performance.now();
      // Fire-and-forget, like a producer that ignores backpressure: writes queue behind the waiting one, in order.
      for (let i = 0; i < N; i++) {
        writes.push(q.write(udpPacket(1000 + (i % 5000))).then(() => void ok++, (e: unknown) => void errors.push(String(e))));
      }
      await within(Promise.all(writes), 30_000, `${N} writes`);
      const s = q.stats();
      console.log(`# flood ${round} of ${N} writes: ${(performance.now() - t0).toFixed(0)} ms, txWaits ${s.txWaits}, txPackets ${s.txPackets - sent0}, txErrors ${s.txErrors}`);
      assert.deepEqual(errors, []);
      assert.equal(ok, N);
      assert.equal(s.txPackets - sent0, N);
    }
    assert.ok(q.stats().txWaits > 0, 'the EAGAIN path was taken (otherwise this test proves nothing)');
  } finally {
    d.close();
    ns.destroy();
  }
  assert.equal(fdCount(), before);
});

test('a TUN queue that never becomes writable: writes park without spinning and all reject with ClosedError on close', { skip: eagainSkip, timeout: 60_000 }, async () => {
  const ns = Netns.create('bps');
  const before = fdCount();
  const d = openSteered(ns, 'tbp1');
  let closed = false;
  try {
    const q = d.queues[0]!;
    // Below any skb's truesize: once one skb is in flight the socket is never "writeable" again.
    setSndbuf(q, 1);
    const N = 5000;
    const outcomes = { ok: 0, closed: 0, other: [] as string[] };
    const writes: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      writes.push(q.write(udpPacket(1000 + (i % 5000))).then(
        () => void outcomes.ok++,
        (e: unknown) => (e instanceof ClosedError ? void outcomes.closed++ : void outcomes.other.push(String(e))),
      ));
    }
    await sleep(200);
    const waits0 = q.stats().txWaits;
    const cpu0 = process.cpuUsage();
    await sleep(500);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const waits1 = q.stats().txWaits;
    console.log(`# parked writes: ${outcomes.ok} completed before the queue filled, txWaits ${waits0} -> ${waits1} over 500 ms, CPU ${cpuMs.toFixed(1)} ms`);
    assert.ok(outcomes.ok < N, 'some writes are parked (the queue really is full)');
    assert.ok(waits1 >= 1 && waits1 === waits0, 'one parked write, not a retry loop');
    assert.ok(cpuMs < 250, `parked writes burn no CPU (${cpuMs.toFixed(1)} ms over 500 ms)`);
    d.close();
    closed = true;
    await within(Promise.all(writes), 5000, 'every parked write settling after close');
    assert.deepEqual(outcomes.other, []);
    assert.equal(outcomes.ok + outcomes.closed, N);
    assert.ok(outcomes.closed > 0);
  } finally {
    if (!closed) d.close();
    ns.destroy();
  }
  assert.equal(fdCount(), before);
});

test('writes to a TUN whose link is down are refused at once (EIO), counted, and work again after link up', { skip: rootSkip, timeout: 30_000 }, async () => {
  const ns = Netns.create('bpd');
  const d = TunDevice.open({ name: 'tbp2', netns: ns.name, addresses: ['198.18.66.1/24'] });
  try {
    const q = d.queues[0]!;
    await q.write(udpPacket(1000));
    d.up(false);
    const results = await within(Promise.allSettled(Array.from({ length: 100 }, (_, i) => q.write(udpPacket(2000 + i)))), 5000, 'writes to a down link');
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const e = (r as PromiseRejectedResult).reason as unknown;
      assert.ok(e instanceof LinkDownError, `LinkDownError, got ${String(e)}`);
      assert.equal(e.code, 'ERR_TIO_LINK_DOWN');
      assert.match(e.message, /tbp2 is down/);
    }
    assert.equal(q.stats().txErrors, 100);
    assert.equal(q.isClosed, false, 'a down link does not close the queue');
    d.up(true);
    await q.write(udpPacket(3000));
    assert.equal(q.stats().txPackets, 2);
  } finally {
    d.close();
    ns.destroy();
  }
});

const nodeSkip = rootSkip ?? nebulaCertSkipReason()
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);

test('an OverlayNode whose TUN link goes down keeps running and carries traffic again after link up', {
  skip: nodeSkip,
  timeout: 60_000,
}, async () => {
  await withNodePair({ tag: 'bpn', net: 67 }, async ({ a, nb }) => {
    const ping = async (): Promise<boolean> => a.execAsync('ping', ['-c', '2', '-i', '0.2', '-W', '1', OVERLAY_B], { timeoutMs: 10_000 }).then(() => true, () => false);
    assert.ok(await ping(), 'tunnel works before');
    nodeInternals(nb).device.up(false);
    assert.equal(await ping(), false, 'nothing answers while the link is down');
    assert.equal(nodeInternals(nb).udp.isClosed, false, 'b is still running after inbound packets hit the down link');
    nodeInternals(nb).device.up(true);
    assert.ok(await ping(), 'traffic resumes after link up');
    assert.ok(nodeInternals(nb).hostmap.get(ipU32(OVERLAY_A)), 'the tunnel survived');
  });
});
