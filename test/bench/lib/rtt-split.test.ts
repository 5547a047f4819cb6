// Parsing tcpdump's ICMP echo lines and splitting round trips into legs (bench/lib/rtt-split.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEchoes, splitRtts } from '../../../bench/lib/rtt-split.js';

// What `tcpdump -i any -n -tt -l icmp` printed in A and in B (tcpdump 4.99).
const A = `1796581334.740000 tioa  Out IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 77, seq 1, length 64
1796581334.741000 tioa  In  IP 198.19.0.2 > 198.19.0.1: ICMP echo reply, id 77, seq 1, length 64
1796581334.750000 tioa  Out IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 77, seq 2, length 64
1796581334.760000 tioa  Out IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 77, seq 3, length 64
1796581334.763500 tioa  In  IP 198.19.0.2 > 198.19.0.1: ICMP echo reply, id 77, seq 3, length 64
1796581334.770000 tioa  Out IP 198.19.0.1 > 198.19.0.3: ICMP host 198.19.0.3 unreachable, length 92
`;
const B = `1796581334.740400 tiob  In  IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 77, seq 1, length 64
1796581334.740410 tiob  Out IP 198.19.0.2 > 198.19.0.1: ICMP echo reply, id 77, seq 1, length 64
1796581334.762000 tiob  In  IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 77, seq 3, length 64
1796581334.762020 tiob  Out IP 198.19.0.2 > 198.19.0.1: ICMP echo reply, id 77, seq 3, length 64
tcpdump: data link type LINUX_SLL2
`;

function close(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((x, i) => assert.ok(Math.abs(x - expected[i]!) < 1e-9, `${x} vs ${expected[i]}`));
}

test('parseEchoes reads time, direction, kind and id:seq of echo lines and skips every other line', () => {
  const a = parseEchoes(A);
  assert.equal(a.length, 5);
  assert.deepEqual(a[1], { us: 1796581334741000, dir: 'In', kind: 'reply', key: '77:1' });
  assert.deepEqual(a.map((e) => `${e.dir} ${e.kind} ${e.key}`), ['Out request 77:1', 'In reply 77:1', 'Out request 77:2', 'Out request 77:3', 'In reply 77:3']);
  assert.equal(parseEchoes(B).length, 4);
});

test('splitRtts gives forward, turnaround and reverse in ms per echo seen at all four points, skipping a lost one', () => {
  const s = splitRtts(parseEchoes(A), parseEchoes(B));
  // seq 2 never reached B: no legs for it.
  close(s.forward, [0.4, 2.0]);
  close(s.turnaround, [0.01, 0.02]);
  close(s.reverse, [0.59, 1.48]);
});

test('splitRtts keeps the first sighting of a key (a wrapped seq does not pair with an old echo)', () => {
  const a = parseEchoes(`${A}1796581400.000000 tioa  Out IP 198.19.0.1 > 198.19.0.2: ICMP echo request, id 77, seq 1, length 64\n`);
  close(splitRtts(a, parseEchoes(B)).forward, [0.4, 2.0]);
});
