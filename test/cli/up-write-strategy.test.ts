// `tio up` with `tio: {write_strategy: copy}` (what a node on Linux < 5.4 gets
// by itself): a TCP transfer into the node, traced with strace, reaches its
// TUN only through write(), superpackets from the coalescer included, and
// never through writev.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import { tcpTransfer } from '../../kit/tcp.js';
import { collectLines } from '../../kit/lines.js';
import { tryRun } from '../../kit/run.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason() ?? (tryRun('strace', ['-V']) === undefined ? 'strace not installed' : undefined);
after(destroyAll);

const MTU = 1300;
// `write(17</dev/net/tun>, ""..., 52)   = 52` (strace pads before "=").
const TUN_WRITE = /^(write|writev)\(\d+<\/dev\/net\/tun>, .*\)\s+=\s+(-?\d+)/;

test('tio up with tio.write_strategy copy: data into the node reaches its TUN by write() only, superpackets included', { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  const { a, b } = netnsPair('ws', 23);
  const dir = mkdtempSync(join(tmpdir(), 'tio-wstrat-up-'));
  const trace = join(dir, 'trace');
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const extra = 'tio:\n  write_strategy: copy\n';
  const ca = writeNodeConfig(pki, ha, '198.18.23.1', [[hb, '198.18.23.2']], { dev: 'tiowsa', mtu: MTU, extra }, 'tio');
  const cb = writeNodeConfig(pki, hb, '198.18.23.2', [[ha, '198.18.23.1']], { dev: 'tiowsb', mtu: MTU }, 'tio');
  // One routine: the whole data path, so every TUN write, runs on the traced main thread.
  const pa = a.spawn('strace', ['-I', '1', '-qq', '-y', '-s', '0', '-e', 'trace=write,writev', '-e', 'signal=none', '-o', trace,
    process.execPath, MAIN, 'up', '-config', ca], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pb = b.spawn(process.execPath, [MAIN, 'up', '-config', cb], { stdio: ['ignore', 'pipe', 'pipe'] });
  const la = collectLines(pa);
  const lb = collectLines(pb);
  try {
    await waitFor(() => la.some((l) => l.includes('interface is active')) && lb.some((l) => l.includes('interface is active')), 30_000, 'both nodes up');
    assert.ok(la.some((l) => l.includes('interface is active') && l.includes('writeStrategy=copy')), 'node a runs the copy strategy');
    const r = await tcpTransfer(a, b, '198.19.0.1', 5502, 8 << 20, 60_000);
    assert.equal(r.received.sha256, r.sent.sha256);
    // SIGTERM (-I 1: not blocked) makes strace detach and flush its log; the node dies with its namespace.
    const detached = new Promise<void>((res) => pa.once('exit', () => res()));
    pa.kill('SIGTERM');
    await detached;
    const calls = readFileSync(trace, 'utf8').split('\n').map((l) => TUN_WRITE.exec(l)).filter((m) => m !== null);
    const writev = calls.filter((m) => m[1] === 'writev').length;
    const writes = calls.filter((m) => m[1] === 'write').map((m) => Number(m[2]));
    // Larger than virtio header + MTU: a superpacket the coalescer built.
    const superpackets = writes.filter((n) => n > 10 + MTU).length;
    assert.equal(writev, 0, `writev on the TUN under copy (${writes.length} write calls)`);
    assert.ok(writes.length > 0 && superpackets > 0, `expected superpackets as write() calls: ${writes.length} writes, ${superpackets} superpackets`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${la.join('\n')}\n--- b ---\n${lb.join('\n')}`, { cause: e });
  } finally {
    pa.kill('SIGKILL');
    pb.kill('SIGKILL');
    a.destroy();
    b.destroy();
    pki.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
