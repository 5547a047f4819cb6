// The TUN device disappears under a running reader (`ip link del`, as an admin
// or a network manager might do it).
// - TunDevice: a pending Queue.read() on every queue rejects with ClosedError
//   ("deleted"), later reads and writes too, close() stays idempotent and every
//   fd is released.
// - OverlayNode: nothing escapes into the process, stop() still works, and
//   the node notices by itself: it logs an error, sends close_tunnel to its
//   peers and stops; `tio up` exits non-zero (nebula 1.6.1 logs "Error while
//   reading outbound packet" and exits 2). Before bc3c83e the node went silent
//   and `tio up` exited 0 at the next inbound packet.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClosedError, TunDevice } from '../../src/index.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import { ipU32 } from '../helpers/overlay.js';
import { run, tryRun } from '../../kit/run.js';
import { waitFor } from '../../kit/wait.js';
import { startTio, type TioProcess } from '../../kit/process.js';
import { OVERLAY_A, OVERLAY_B, fdCount, withNodePair, within } from './topology.js';
import { nodeInternals } from '../../src/tunnel/node/testing.js';

const rootSkip = rootSkipReason();
const skip = rootSkip ?? nebulaCertSkipReason()
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

test('ip link del under pending reads: every queue rejects with ClosedError, writes too, no fd left', { skip: rootSkip, timeout: 30_000 }, async () => {
  const ns = Netns.create('tdel');
  try {
    const before = fdCount();
    const d = TunDevice.open({ name: 'tdel0', netns: ns.name, queues: 2, up: false });
    const reads = d.queues.map((q) => q.read());
    await sleep(50);
    run('ip', ['-n', ns.name, 'link', 'del', 'tdel0']);
    for (const r of reads) {
      const e = await within(r.then(() => null, (err: unknown) => err), 5000, 'wake-up after link del');
      assert.ok(e instanceof ClosedError, `read rejected with ClosedError, got ${String(e)}`);
      assert.match(e.message, /deleted/);
    }
    for (const q of d.queues) {
      assert.equal(q.isClosed, true);
      await assert.rejects(q.read(), ClosedError);
      await assert.rejects(q.write(Buffer.alloc(40, 0x45)), ClosedError);
    }
    // The device object itself was not closed by the kernel: close() is still the owner's call, and idempotent.
    assert.equal(d.isClosed, false);
    d.close();
    d.close();
    assert.equal(fdCount(), before, 'every queue fd and the close eventfd are released');
  } finally {
    ns.destroy();
  }
});

test('ip link del with no read pending: the next read and write reject with ClosedError', { skip: rootSkip, timeout: 30_000 }, async () => {
  const ns = Netns.create('tdel');
  try {
    const before = fdCount();
    const d = TunDevice.open({ name: 'tdel1', netns: ns.name, up: false });
    run('ip', ['-n', ns.name, 'link', 'del', 'tdel1']);
    const q = d.queues[0]!;
    await assert.rejects(q.write(Buffer.alloc(40, 0x45)), (e: unknown) => e instanceof ClosedError && /deleted/.test(e.message));
    await assert.rejects(q.read(), ClosedError);
    d.close();
    assert.equal(fdCount(), before);
  } finally {
    ns.destroy();
  }
});

async function pingOk(ns: Netns, ip: string): Promise<boolean> {
  try {
    await ns.execAsync('ping', ['-c', '2', '-i', '0.2', '-W', '1', ip], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

test('OverlayNode whose TUN is deleted: no exception escapes, traffic to it fails, stop() still releases everything', { skip, timeout: 60_000 }, async () => {
  const before = fdCount();
  await withNodePair({ tag: 'ndel', net: 63, node: { logLevel: 'debug' } }, async ({ a, b, nb }) => {
    assert.ok(await pingOk(a, OVERLAY_B), 'tunnel works before');
    run('ip', ['-n', b.name, 'link', 'del', nodeInternals(nb).device.name]);
    await waitFor(() => nodeInternals(nb).device.queues[0]!.isClosed, 5000, 'queue closed by the deletion');
    // Inbound traffic for the gone device must not throw anywhere (an uncaught error would fail this test file).
    assert.equal(await pingOk(a, OVERLAY_B), false, 'nothing answers behind a deleted TUN');
    const r = await within(nb.stop().then(() => 'stopped'), 5000, 'stop after deletion');
    assert.equal(r, 'stopped');
    assert.equal(nodeInternals(nb).udp.isClosed, true);
  });
  assert.equal(fdCount(), before, 'no fd left after both nodes stopped');
});

test('OverlayNode whose TUN is deleted logs an error, tells its peers (close_tunnel) and shuts down', {
  skip,
  timeout: 60_000,
}, async () => {
  await withNodePair({ tag: 'ndel', net: 64, node: { logLevel: 'debug' } }, async ({ a, b, na, nb, lines }) => {
    assert.ok(await pingOk(a, OVERLAY_B), 'tunnel works before');
    run('ip', ['-n', b.name, 'link', 'del', nodeInternals(nb).device.name]);
    await waitFor(() => nodeInternals(nb).udp.isClosed, 5000, 'node b shutting down by itself');
    assert.ok(lines.some((l) => l.includes('level=error') && /tun|device/i.test(l)), 'an error names the device');
    await waitFor(() => nodeInternals(na).hostmap.get(ipU32(OVERLAY_B)) === undefined, 5000, 'a drops its tunnel after close_tunnel');
  });
});

test('`tio up` whose TUN is deleted exits non-zero with an error (as nebula 1.6.1 does: exit 2)', {
  skip,
  timeout: 60_000,
}, async () => {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const { a, b } = netnsPair('udel', 65);
  let ta: TioProcess | undefined;
  let tb: TioProcess | undefined;
  try {
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    ta = startTio(a, writeNodeConfig(pki, ha, '198.18.65.1', [[hb, '198.18.65.2']], { dev: 'tioa' }, 'tio'));
    tb = startTio(b, writeNodeConfig(pki, hb, '198.18.65.2', [[ha, '198.18.65.1']], { dev: 'tiob' }, 'tio'));
    await ta.waitForLog('interface is active', 15_000);
    await tb.waitForLog('interface is active', 15_000);
    assert.ok(await pingOk(a, OVERLAY_B));
    run('ip', ['-n', b.name, 'link', 'del', 'tiob']);
    // No traffic: the node must notice by itself.
    const code = await within(tb.exited, 5000, 'tio b exiting after its TUN was deleted');
    assert.notEqual(code, 0, 'a supervisor must see a failure');
    assert.ok(tb.log.some((l) => l.includes('level=error')), `an error is logged:\n${tb.log.join('\n')}`);
  } finally {
    await ta?.kill();
    await tb?.kill();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});
