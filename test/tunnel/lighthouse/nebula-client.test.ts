// What the real nebula 1.6.1 sends as a lighthouse client, seen by a tio node it takes for its
// lighthouse: HostUpdateNotification and HostQuery, byte for byte what tio's encoder makes for the
// same content, and the addresses nebula reports (its interface address and listen port, not
// loopback, not its overlay address).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInternals } from '../../../src/tunnel/node/testing.js';
import { META_HOST_QUERY, META_HOST_UPDATE_NOTIFICATION, encodeMeta } from '../../../src/tunnel/lighthouse/index.js';
import { destroyAll, waitFor } from '../../../kit/netns.js';
import { interopSkipReason, NEB_IP, TIO_IP, withNebulaTio } from '../../../kit/nebula-tio.js';
import { frameNodeOptions, ipU32 } from '../../helpers/overlay.js';

const skip = interopSkipReason();
after(destroyAll);

const NOBODY = '198.19.0.7';

test('nebula 1.6.1 as a client sends its lighthouse HostUpdateNotification and HostQuery exactly as tio encodes them', { skip, timeout: 90_000 }, async () => {
  const seen: Buffer[] = [];
  await withNebulaTio({
    // nebula listens on 0.0.0.0, so it reports its interface addresses.
    tag: 'lhc', net: 38, nebulaListen: '0.0.0.0', nebula: { lighthouse: { am: false, hosts: [TIO_IP], interval: 1 }, level: 'debug' },
    tio: (s) => frameNodeOptions(s, { lighthouse: { hosts: [s.nebHost], intervalMs: 1000 } }),
  }, async ({ a, aAddr, node }) => {
    try {
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
      throw new Error(`${(e as Error).message}\nseen: ${seen.map((s) => s.toString('hex')).join(' ')}`, { cause: e });
    }
  });
});
