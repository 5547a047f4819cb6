// What the real nebula 1.6.1 sends as a lighthouse client, seen by a tio node it takes for its
// lighthouse: HostUpdateNotification and HostQuery, byte for byte what tio's encoder makes for the
// same content, and the addresses nebula reports (its interface address and listen port, not
// loopback, not its overlay address).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { OverlayNode } from '../../../src/tunnel/node/node.js';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { META_HOST_QUERY, META_HOST_UPDATE_NOTIFICATION, encodeMeta } from '../../../src/tunnel/lighthouse/index.js';
import { destroyAll, rootSkipReason, waitFor } from '../../../kit/netns.js';
import { netnsPair } from '../../../kit/topology.js';
import { makePki, nebulaSkipReason } from '../../../kit/nebula-pki.js';
import { startNebula } from '../../../kit/nebula.js';
import { ipU32, nodeOptions } from '../../helpers/overlay.js';
import { tryRun } from '../../../kit/run.js';

const skip = rootSkipReason() ?? nebulaSkipReason() ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

const NEB_IP = '198.19.0.1';
const TIO_IP = '198.19.0.2';
const NOBODY = '198.19.0.7';

test('nebula 1.6.1 as a client sends its lighthouse HostUpdateNotification and HostQuery exactly as tio encodes them', { skip, timeout: 90_000 }, async () => {
  const pki = makePki([['neb', `${NEB_IP}/16`], ['tio', `${TIO_IP}/16`]]);
  const { a, b, aAddr, bAddr } = netnsPair('lhc', 38);
  const hn = pki.hosts.get('neb')!;
  const ht = pki.hosts.get('tio')!;
  const lines: string[] = [];
  const seen: Buffer[] = [];
  // nebula listens on 0.0.0.0, so it reports its interface addresses.
  const neb = startNebula(a, pki, hn, '0.0.0.0', [[ht, bAddr]], { lighthouse: { am: false, hosts: [TIO_IP], interval: 1 }, level: 'debug' });
  let node: OverlayNode | null = null;
  try {
    await neb.waitForLog('Nebula interface is active', 15_000);
    node = OverlayNode.start(nodeOptions(pki, ht, b.name, bAddr, [[hn, aAddr]], { lines, lighthouse: { hosts: [hn], intervalMs: 1000 } }));
    const client = nodeInternals(node).lighthouse!;
    const onMessage = client.onMessage.bind(client);
    client.onMessage = (from, buf, off, len) => {
      if (from === ipU32(NEB_IP)) seen.push(Buffer.from(buf.subarray(off, off + len)));
      onMessage(from, buf, off, len);
    };
    const update = Buffer.from(encodeMeta({ type: META_HOST_UPDATE_NOTIFICATION, details: { vpnIp: ipU32(NEB_IP), ip4AndPorts: [{ ip: ipU32(aAddr), port: 4242 }] } }));
    await waitFor(() => seen.filter((s) => s.equals(update)).length >= 2, 20_000, 'two HostUpdateNotifications from nebula, one interval apart');
    // Traffic for an address nobody has makes nebula ask its lighthouse (at each handshake try).
    await a.execAsync('ping', ['-c', '1', '-W', '1', NOBODY], { timeoutMs: 10_000 }).catch(() => undefined);
    const query = Buffer.from(encodeMeta({ type: META_HOST_QUERY, details: { vpnIp: ipU32(NOBODY) } }));
    await waitFor(() => seen.some((s) => s.equals(query)), 10_000, 'a HostQuery from nebula');
    const other = seen.filter((s) => !s.equals(update) && !s.equals(query));
    assert.deepEqual(other.map((s) => s.toString('hex')), [], 'nebula sent nothing else');
    const st = node.status().lighthouse!;
    assert.equal(st.malformed, 0);
    assert.ok(st.ignored >= 3, 'tio, a client, ignores updates and queries sent to it');
  } catch (e) {
    throw new Error(`${(e as Error).message}\nseen: ${seen.map((s) => s.toString('hex')).join(' ')}\n--- nebula ---\n${neb.log.join('\n')}\n--- tio ---\n${lines.join('\n')}`, { cause: e });
  } finally {
    await node?.stop();
    await neb.stop();
    a.destroy();
    b.destroy();
    pki.dispose();
  }
});
