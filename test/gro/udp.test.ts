// UDP lane rules (docs/OFFLOADS.md "Coalescing"), each for IPv4 and IPv6.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertMerged, assertUnchanged, run, shape } from './harness.js';
import { ECT0, ECT1, build } from '../../kit/packet.js';

function datagrams(version: 4 | 6, n: number, size: number, extra: { id?: number; df?: boolean } = {}): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(build({ version, proto: 'udp', payload: size, fill: 77 + i, id: (extra.id ?? 100) + i, df: extra.df ?? true }));
  return out;
}

for (const version of [4, 6] as const) {
  const v = `IPv${version}`;

  test(`${v}: same-size UDP datagrams merge into one superpacket`, async () => {
    const pkts = datagrams(version, 6, 1200);
    const { out, c } = await run(pkts);
    assert.deepEqual(shape(out), [6]);
    assertMerged(out[0]!, pkts);
    assert.equal(c.stats().segmentsCoalesced, 5);
  });

  test(`${v}: zero-length UDP datagram seals`, async () => {
    const a = datagrams(version, 2, 1000);
    const empty = build({ version, proto: 'udp', payload: 0 });
    const b = datagrams(version, 2, 1000);
    const { out } = await run([...a, empty, ...b]);
    assert.deepEqual(shape(out), [2, 1, 2]);
    assertMerged(out[0]!, a);
    assertUnchanged(out[1]!, empty, 'empty datagram');
    assertMerged(out[2]!, b);
  });

  test(`${v}: short UDP datagram closes the chain`, async () => {
    const a = [...datagrams(version, 3, 1000), build({ version, proto: 'udp', payload: 10 })];
    const b = datagrams(version, 1, 1000);
    const { out } = await run([...a, ...b]);
    assert.deepEqual(shape(out), [4, 1]);
    assertMerged(out[0]!, a);
    assertUnchanged(out[1]!, b[0]!);
  });

  test(`${v}: a UDP datagram longer than the first does not coalesce`, async () => {
    const a = build({ version, proto: 'udp', payload: 500 });
    const b = build({ version, proto: 'udp', payload: 501 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: UDP 64-segment cap`, async () => {
    const pkts = datagrams(version, 66, 50);
    const { out } = await run(pkts);
    assert.deepEqual(shape(out), [64, 2]);
    assertMerged(out[0]!, pkts.slice(0, 64));
    assertMerged(out[1]!, pkts.slice(64));
  });

  test(`${v}: UDP 65535-byte cap`, async () => {
    // Headers are 28 (IPv4) or 48 (IPv6) bytes: 44 datagrams of 1472 fit, 45 do not.
    const pkts = datagrams(version, 45, 1472);
    const { out } = await run(pkts);
    assert.deepEqual(shape(out), [44, 1]);
    assertMerged(out[0]!, pkts.slice(0, 44));
  });

  test(`${v}: UDP ECT(0) then ECT(1) never merges`, async () => {
    const a = build({ version, proto: 'udp', payload: 100, tos: ECT0 });
    const b = build({ version, proto: 'udp', payload: 100, tos: ECT1 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: UDP TTL change does not coalesce`, async () => {
    const a = build({ version, proto: 'udp', payload: 100, ttl: 3 });
    const b = build({ version, proto: 'udp', payload: 100, ttl: 4 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: UDP datagrams of other ports do not coalesce`, async () => {
    const a = build({ version, proto: 'udp', payload: 100 });
    const b = build({ version, proto: 'udp', payload: 100, dport: 4789 });
    const c2 = build({ version, proto: 'udp', payload: 100, sport: 1 });
    const { out } = await run([a, b, c2]);
    assert.deepEqual(shape(out), [1, 1, 1]);
  });

  test(`${v}: UDP chain of one is written unchanged`, async () => {
    const a = build({ version, proto: 'udp', payload: 100 });
    const { out } = await run([a]);
    assertUnchanged(out[0]!, a);
  });

  test(`${v}: UDP bad checksum is not merged`, async () => {
    const d = datagrams(version, 3, 100);
    d[1]![d[1]!.length - 3]! ^= 0x10;
    const { out, c } = await run(d);
    // The bad datagram seals the chain so the output keeps arrival order.
    assert.deepEqual(shape(out), [1, 1, 1]);
    assertUnchanged(out[0]!, d[0]!);
    assertUnchanged(out[1]!, d[1]!, 'bad datagram');
    assertUnchanged(out[2]!, d[2]!);
    assert.equal(c.stats().badChecksum, 1);
  });

  test(`${v}: a UDP length field disagreeing with the IP length passes through`, async () => {
    const d = datagrams(version, 2, 100);
    const l4 = version === 4 ? 20 : 40;
    d[1]![l4 + 5]! -= 1;
    const { out } = await run(d);
    assert.deepEqual(shape(out), [1, 1]);
    assertUnchanged(out[1]!, d[1]!);
  });
}

test('IPv4: UDP without a checksum (0) is merged', async () => {
  const pkts = [0, 1, 2].map((i) => build({ version: 4, proto: 'udp', payload: 300, fill: i, udpNoChecksum: true }));
  const { out } = await run(pkts);
  assert.deepEqual(shape(out), [3]);
  assertMerged(out[0]!, pkts);
});

test('IPv6: UDP with checksum 0 is invalid and passes through', async () => {
  const pkts = [0, 1].map((i) => build({ version: 6, proto: 'udp', payload: 300, fill: i, udpNoChecksum: true }));
  const { out, c } = await run(pkts);
  assert.deepEqual(shape(out), [1, 1]);
  assert.equal(c.stats().badChecksum, 2);
});

test('IPv4: UDP non-atomic id gap does not coalesce', async () => {
  const a = build({ version: 4, proto: 'udp', payload: 100, df: false, id: 1 });
  const b = build({ version: 4, proto: 'udp', payload: 100, df: false, id: 3 });
  const { out } = await run([a, b]);
  assert.deepEqual(shape(out), [1, 1]);
});

test('IPv4: UDP non-atomic running ids coalesce', async () => {
  const pkts = datagrams(4, 3, 100, { df: false, id: 0xffff });
  const { out } = await run(pkts);
  assert.deepEqual(shape(out), [3]);
});
