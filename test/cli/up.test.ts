// `tio up -config FILE` as a user runs it: two processes in their own
// namespaces carry TCP intact; SIGTERM closes the tunnel at the peer
// (close_tunnel) and exits 0; a bad config exits 1 naming the field.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { destroyAll, rootSkipReason, waitFor } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import { makePki, nebulaCertSkipReason } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import { tcpTransfer } from '../../kit/tcp.js';
import { collectLines } from '../../kit/lines.js';
import { TIO_MAIN as MAIN } from '../../kit/process.js';

const skip = rootSkipReason() ?? nebulaCertSkipReason();
after(destroyAll);


test('tio up: two nodes from Nebula configs carry TCP; SIGTERM sends close_tunnel and exits 0', { skip, timeout: 120_000 }, async () => {
  const pki = makePki([['a', '198.19.0.1/16'], ['b', '198.19.0.2/16']]);
  const { a, b } = netnsPair('up', 22);
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const ca = writeNodeConfig(pki, ha, '198.18.22.1', [[hb, '198.18.22.2']], { dev: 'tioa', level: 'debug' }, 'tio');
  const cb = writeNodeConfig(pki, hb, '198.18.22.2', [[ha, '198.18.22.1']], { dev: 'tiob', level: 'debug' }, 'tio');
  const pa = a.spawn(process.execPath, [MAIN, 'up', '-config', ca], { stdio: ['ignore', 'pipe', 'pipe'] });
  const pb = b.spawn(process.execPath, [MAIN, 'up', '--config', cb], { stdio: ['ignore', 'pipe', 'pipe'] });
  const la = collectLines(pa);
  const lb = collectLines(pb);
  try {
    await waitFor(() => la.some((l) => l.includes('interface is active')) && lb.some((l) => l.includes('interface is active')), 15_000, 'both nodes up');
    const r = await tcpTransfer(b, a, '198.19.0.2', 5501, 8 << 20, 60_000);
    assert.equal(r.received.sha256, r.sent.sha256);
    const exited = new Promise<number | null>((res) => pa.once('exit', (code) => res(code)));
    pa.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM exits cleanly');
    assert.ok(la.some((l) => l.includes('Sending close tunnel message')));
    const stats = la.find((l) => l.includes('msg="Stats"'));
    assert.ok(stats, 'counters logged at exit');
    assert.match(stats, /delivered=[1-9]\d*/);
    // The kernel's own IPv6 chatter on the TUN is dropped as not-ipv4 (as nebula does); nothing else may be.
    assert.doesNotMatch(stats, /outside-|inside-(firewall|segment|no-remote)/);
    await waitFor(() => lb.some((l) => l.includes('Close tunnel received')), 5000, 'peer saw close_tunnel');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- a ---\n${la.join('\n')}\n--- b ---\n${lb.join('\n')}`, { cause: e });
  } finally {
    pa.kill('SIGKILL');
    pb.kill('SIGKILL');
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});

test('tio up -test: a bad config value exits 1 and names its path', { skip: nebulaCertSkipReason() }, () => {
  const pki = makePki([['a', '198.19.0.1/16']]);
  try {
    const good = writeNodeConfig(pki, pki.hosts.get('a')!, '198.18.22.1', []);
    const ok = spawnSync(process.execPath, [MAIN, 'up', '-config', good, '-test'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(ok.status, 0, ok.stderr);
    const bad = join(pki.dir, 'bad.yml');
    writeFileSync(bad, `pki: {ca: ${pki.caCrt}, cert: ${pki.hosts.get('a')!.crt}, key: ${pki.hosts.get('a')!.key}}\ntun: {mtu: big}\n`);
    const r = spawnSync(process.execPath, [MAIN, 'up', '-config', bad, '-test'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /tun\.mtu/);
    const none = spawnSync(process.execPath, [MAIN, 'up'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /-config FILE is required/);
  } finally {
    pki.dispose();
  }
});
