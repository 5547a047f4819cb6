// Roaming decided as nebula 1.6.1 decides it (outside.go handleHostRoaming): the allow list
// can refuse an address, a tunnel does not roam back to the address it left for 2 s, and
// each move is logged with the old and new address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Logger } from '../../../src/tunnel/log/logger.js';
import { ROAM_BACK_SUPPRESS_MS, Roaming, type Roamer } from '../../../src/tunnel/node/roaming.js';
import { Endpoint } from '../../../src/udp/index.js';
import { ip } from '../firewall/packets.js';

const A = Endpoint.of('198.18.0.1', 4242);
const B = Endpoint.of('198.18.0.2', 4242);
const C = Endpoint.of('198.18.0.3', 4242);

function setup(allowed: (to: Endpoint) => boolean = () => true): { roaming: Roaming; lines: string[]; clock: { t: number }; t: Roamer } {
  const lines: string[] = [];
  const clock = { t: 10_000 };
  const log = new Logger('debug', 'json', (l) => lines.push(l), {}, () => 'now');
  const roaming = new Roaming({ log, allowed: (_ip, to) => allowed(to), now: () => clock.t });
  return { roaming, lines, clock, t: { vpnIp: ip('198.19.0.2'), remote: A, roamedFrom: null, roamedAt: 0 } };
}

test('a roam moves the tunnel and logs nebula\'s line with the old and the new address', () => {
  const { roaming, lines, t } = setup();
  assert.equal(roaming.roam(t, B), 'moved');
  assert.equal(t.remote, B);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, string>;
  assert.equal(line.msg, 'Host roamed to new udp ip/port.');
  assert.equal(line.level, 'info');
  assert.equal(line.udpAddr, A.toString());
  assert.equal(line.newAddr, B.toString());
  assert.equal(line.vpnIp, '198.19.0.2');
});

test('the address just left is refused for 2 s, then taken again; another address is taken at once', () => {
  const { roaming, lines, clock, t } = setup();
  roaming.roam(t, B);
  clock.t += ROAM_BACK_SUPPRESS_MS - 1;
  assert.equal(roaming.roam(t, A), 'suppressed', 'a late packet from the old path does not drag the tunnel back');
  assert.equal(t.remote, B);
  assert.match(lines.at(-1)!, /Suppressing roam back to previous remote for 2 seconds/);
  assert.equal(roaming.roam(t, C), 'moved', 'a third address is not the one left');
  assert.equal(t.remote, C);
  // Now the address left is B; A may be taken again.
  assert.equal(roaming.roam(t, A), 'moved');
  clock.t += 1;
  assert.equal(roaming.roam(t, C), 'suppressed');
  clock.t += ROAM_BACK_SUPPRESS_MS;
  assert.equal(roaming.roam(t, C), 'moved', 'after 2 s the way back is open');
  assert.equal(t.remote, C);
});

test('an address the remote allow list refuses leaves the tunnel where it is, logged at debug only', () => {
  const { roaming, lines, t } = setup((to) => !to.equals(B));
  assert.equal(roaming.roam(t, B), 'denied');
  assert.equal(t.remote, A);
  assert.equal(t.roamedFrom, null, 'a refused roam is not remembered as one');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /lighthouse.remote_allow_list denied roaming/);
  assert.match(lines[0]!, /"level":"debug"/);
});
