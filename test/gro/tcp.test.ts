// TCP lane rules (docs/OFFLOADS.md "Coalescing"), each for IPv4 and IPv6.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertMerged, assertUnchanged, run, shape } from './harness.js';
import { ACK, CE, CWR, ECE, ECT0, ECT1, FIN, PSH, RST, SYN, URG, build, stream } from '../../kit/packet.js';

for (const version of [4, 6] as const) {
  const v = `IPv${version}`;

  test(`${v}: contiguous ACK segments merge into one superpacket`, async () => {
    const pkts = stream({ version }, 5, 1400);
    const { out, c } = await run(pkts);
    assert.deepEqual(shape(out), [5]);
    assertMerged(out[0]!, pkts);
    const s = c.stats();
    assert.equal(s.packetsIn, 5);
    assert.equal(s.chainsWritten, 1);
    assert.equal(s.superpackets, 1);
    assert.equal(s.segmentsCoalesced, 4);
    assert.equal(s.passthrough, 0);
  });

  test(`${v}: a shorter last segment is appended and closes the chain`, async () => {
    const pkts = [...stream({ version }, 3, 1000), build({ version, seq: 4000, payload: 300 })];
    const after = build({ version, seq: 4300, payload: 1000 });
    const { out } = await run([...pkts, after]);
    assert.deepEqual(shape(out), [4, 1]);
    assertMerged(out[0]!, pkts);
    assertUnchanged(out[1]!, after, 'segment after the short one');
  });

  test(`${v}: a segment longer than the first does not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 500 });
    const b = build({ version, seq: 1500, payload: 1000 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
    assertUnchanged(out[0]!, a);
    assertUnchanged(out[1]!, b);
  });

  test(`${v}: seq wraparound appends`, async () => {
    const pkts = stream({ version, seq: 0xffffffff - 1500 }, 4, 1000);
    const { out } = await run(pkts);
    assert.deepEqual(shape(out), [4]);
    assertMerged(out[0]!, pkts);
  });

  test(`${v}: seq gap starts a new chain`, async () => {
    const a = stream({ version, seq: 1000 }, 2, 1000);
    const b = stream({ version, seq: 3001 }, 2, 1000);
    const { out } = await run([...a, ...b]);
    assert.deepEqual(shape(out), [2, 2]);
    assertMerged(out[0]!, a);
    assertMerged(out[1]!, b);
  });

  test(`${v}: a retransmitted (earlier) seq starts a new chain`, async () => {
    const a = stream({ version, seq: 1000 }, 3, 1000);
    const again = build({ version, seq: 2000, payload: 1000 });
    const { out } = await run([...a, again]);
    assert.deepEqual(shape(out), [3, 1]);
    assertUnchanged(out[1]!, again);
  });

  test(`${v}: pure ACK does not seal a data chain`, async () => {
    const d = stream({ version }, 3, 1000);
    const pure = build({ version, seq: 9999, payload: 0 });
    const { out, c } = await run([d[0]!, pure, d[1]!, d[2]!]);
    assert.deepEqual(shape(out), [3, 1]);
    assertMerged(out[0]!, d);
    assertUnchanged(out[1]!, pure, 'pure ACK');
    assert.equal(c.stats().passthrough, 1);
  });

  test(`${v}: FIN seals the chain and is written after it`, async () => {
    const d = stream({ version }, 2, 1000);
    const fin = build({ version, seq: 3000, flags: ACK | FIN, payload: 0 });
    const later = build({ version, seq: 3001, payload: 1000 });
    const { out } = await run([...d, fin, later]);
    assert.deepEqual(shape(out), [2, 1, 1]);
    assertMerged(out[0]!, d);
    assertUnchanged(out[1]!, fin, 'FIN');
    assertUnchanged(out[2]!, later, 'data after FIN');
  });

  test(`${v}: FIN with data passes unchanged after the chain`, async () => {
    const d = stream({ version }, 2, 1000);
    const fin = build({ version, seq: 3000, flags: ACK | FIN | PSH, payload: 1000 });
    const { out } = await run([...d, fin]);
    assert.deepEqual(shape(out), [2, 1]);
    assertUnchanged(out[1]!, fin, 'FIN');
  });

  for (const [name, flags] of [['SYN', SYN | ACK], ['RST', RST | ACK], ['URG', URG | ACK], ['CWR', CWR | ACK], ['no ACK', PSH]] as const) {
    test(`${v}: ${name} seals the chain and passes unchanged`, async () => {
      const d = stream({ version }, 2, 1000);
      const x = build({ version, seq: 3000, flags, payload: name === 'SYN' || name === 'RST' ? 0 : 1000 });
      const next = build({ version, seq: name === 'SYN' || name === 'RST' ? 3000 : 4000, payload: 1000 });
      const { out } = await run([...d, x, next]);
      assert.deepEqual(shape(out), [2, 1, 1]);
      assertMerged(out[0]!, d);
      assertUnchanged(out[1]!, x, name);
      assertUnchanged(out[2]!, next, `segment after ${name}`);
    });
  }

  test(`${v}: PSH closes the chain and is copied to the seed`, async () => {
    const d = [...stream({ version }, 2, 1000), build({ version, seq: 3000, flags: ACK | PSH, payload: 1000 })];
    const next = build({ version, seq: 4000, payload: 1000 });
    const { out } = await run([...d, next]);
    assert.deepEqual(shape(out), [3, 1]);
    assertMerged(out[0]!, d, true);
    assert.equal(out[0]!.bytes[(version === 4 ? 20 : 40) + 13], ACK | PSH);
    assertUnchanged(out[1]!, next, 'segment after PSH');
  });

  test(`${v}: a PSH seed takes nothing after it`, async () => {
    const a = build({ version, seq: 1000, flags: ACK | PSH, payload: 1000 });
    const b = build({ version, seq: 2000, payload: 1000 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
    assertUnchanged(out[0]!, a);
  });

  test(`${v}: ECE segments merge when the seed has ECE too`, async () => {
    const d = stream({ version, flags: ACK | ECE }, 3, 1000);
    const { out } = await run(d);
    assert.deepEqual(shape(out), [3]);
    assertMerged(out[0]!, d);
  });

  test(`${v}: ECE different from the seed does not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 1000 });
    const b = build({ version, seq: 2000, flags: ACK | ECE, payload: 1000 });
    const c = build({ version, seq: 3000, payload: 1000 });
    const { out } = await run([a, b, c]);
    assert.deepEqual(shape(out), [1, 1, 1]);
  });

  test(`${v}: different options do not coalesce`, async () => {
    // Timestamps option (RFC 7323) with a changed TSval in the third segment.
    const ts = (val: number) => [1, 1, 8, 10, 0, 0, 0, val, 0, 0, 0, 1];
    const a = stream({ version, tcpOptions: ts(1) }, 2, 1000);
    const b = build({ version, seq: 3000, tcpOptions: ts(2), payload: 1000 });
    const { out } = await run([...a, b]);
    assert.deepEqual(shape(out), [2, 1]);
    assertMerged(out[0]!, a);
  });

  test(`${v}: identical options coalesce`, async () => {
    const a = stream({ version, tcpOptions: [1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 1] }, 3, 1000);
    const { out } = await run(a);
    assert.deepEqual(shape(out), [3]);
    assertMerged(out[0]!, a);
  });

  test(`${v}: different header length does not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 1000 });
    const b = build({ version, seq: 2000, payload: 1000, tcpOptions: [1, 1, 1, 1] });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: different window does not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 1000 });
    const b = build({ version, seq: 2000, payload: 1000, window: 503 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: different ack does not coalesce (separate flows)`, async () => {
    const a = build({ version, seq: 1000, payload: 1000 });
    const b = build({ version, seq: 2000, payload: 1000, ack: 0x01020305 });
    const c2 = build({ version, seq: 3000, payload: 1000, ack: 0x01020305 });
    const { out } = await run([a, b, c2]);
    assert.deepEqual(shape(out), [1, 2]);
    assertUnchanged(out[0]!, a);
    assertMerged(out[1]!, [b, c2]);
  });

  test(`${v}: different ports or hosts do not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 1000 });
    const b = build({ version, seq: 2000, payload: 1000, sport: 40001 });
    const c2 = build({ version, seq: 2000, payload: 1000, dport: 444 });
    const d = build({ version, seq: 2000, payload: 1000, srcHost: 9 });
    const { out } = await run([a, b, c2, d]);
    assert.deepEqual(shape(out), [1, 1, 1, 1]);
  });

  test(`${v}: 64-segment cap`, async () => {
    const pkts = stream({ version }, 65, 100);
    const { out } = await run(pkts);
    assert.deepEqual(shape(out), [64, 1]);
    assertMerged(out[0]!, pkts.slice(0, 64));
    assertUnchanged(out[1]!, pkts[64]!);
  });

  test(`${v}: 65535-byte cap`, async () => {
    // Headers are 40 (IPv4) or 60 (IPv6) bytes: 46 segments of 1400 fit in 65535, 47 do not.
    const pkts = stream({ version }, 50, 1400);
    const { out } = await run(pkts);
    assert.deepEqual(shape(out), [46, 4]);
    assert.ok(out[0]!.bytes.length <= 65535);
    assertMerged(out[0]!, pkts.slice(0, 46));
    assertMerged(out[1]!, pkts.slice(46));
  });

  test(`${v}: a chain filled to exactly 65535 bytes is accepted`, async () => {
    const hdr = version === 4 ? 40 : 60;
    const size = 1400;
    const n = Math.floor((65535 - hdr) / size);
    const last = 65535 - hdr - n * size;
    const pkts = [...stream({ version }, n, size), build({ version, seq: 1000 + n * size, payload: last })];
    const { out } = await run(pkts);
    assert.deepEqual(shape(out), [n + 1]);
    assert.equal(out[0]!.bytes.length, 65535);
    assertMerged(out[0]!, pkts);
  });

  test(`${v}: ECT(0) then ECT(1) never merges`, async () => {
    const a = build({ version, seq: 1000, payload: 1000, tos: ECT0 });
    const b = build({ version, seq: 2000, payload: 1000, tos: ECT1 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: nothing merges into CE`, async () => {
    const a = stream({ version, tos: ECT0 }, 2, 1000);
    const ce = build({ version, seq: 3000, payload: 1000, tos: CE });
    const b = build({ version, seq: 4000, payload: 1000, tos: ECT0 });
    const { out } = await run([...a, ce, b]);
    assert.deepEqual(shape(out), [2, 1, 1]);
    assertUnchanged(out[1]!, ce, 'CE segment');
  });

  test(`${v}: DSCP change does not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 1000, tos: 0x28 });
    const b = build({ version, seq: 2000, payload: 1000, tos: 0x30 });
    const { out } = await run([a, b]);
    assert.deepEqual(shape(out), [1, 1]);
  });

  test(`${v}: TTL change does not coalesce`, async () => {
    const a = build({ version, seq: 1000, payload: 1000, ttl: 64 });
    const b = build({ version, seq: 2000, payload: 1000, ttl: 63 });
    const c2 = build({ version, seq: 3000, payload: 1000, ttl: 63 });
    const { out } = await run([a, b, c2]);
    assert.deepEqual(shape(out), [1, 2]);
    assertMerged(out[1]!, [b, c2]);
  });

  test(`${v}: chain of one is written unchanged (checksum untouched)`, async () => {
    const a = build({ version, seq: 1000, payload: 1000 });
    const { out, c } = await run([a]);
    assertUnchanged(out[0]!, a);
    assert.equal(c.stats().chainsWritten, 1);
    assert.equal(c.stats().superpackets, 0);
  });

  test(`${v}: bad checksum is not merged`, async () => {
    const d = stream({ version }, 3, 1000);
    const bad = Buffer.from(d[1]!);
    bad[bad.length - 1]! ^= 0x40;
    const { out, c } = await run([d[0]!, bad, d[2]!]);
    // The bad segment passes through; the next one no longer continues the first.
    assert.deepEqual(shape(out), [1, 1, 1]);
    assertUnchanged(out[0]!, d[0]!);
    assertUnchanged(out[1]!, bad, 'bad segment');
    assertUnchanged(out[2]!, d[2]!);
    assert.equal(c.stats().badChecksum, 1);
  });

  test(`${v}: bad checksum at the end of a run passes through after the chain`, async () => {
    const d = stream({ version }, 3, 1000);
    const bad = Buffer.from(d[2]!);
    bad[(version === 4 ? 20 : 40) + 16]! ^= 1;
    const { out } = await run([d[0]!, d[1]!, bad]);
    assert.deepEqual(shape(out), [2, 1]);
    assertMerged(out[0]!, d.slice(0, 2));
    assertUnchanged(out[1]!, bad);
  });

  test(`${v}: verifyChecksums false merges without checking`, async () => {
    const d = stream({ version }, 2, 1000);
    d[1]![d[1]!.length - 1]! ^= 0x40;
    const { out, c } = await run(d, { verifyChecksums: false });
    assert.deepEqual(shape(out), [2]);
    assert.equal(c.stats().badChecksum, 0);
  });
}

test('IPv4: non-atomic id gap does not coalesce', async () => {
  const a = build({ version: 4, seq: 1000, payload: 1000, df: false, id: 7 });
  const b = build({ version: 4, seq: 2000, payload: 1000, df: false, id: 9 });
  const { out } = await run([a, b]);
  assert.deepEqual(shape(out), [1, 1]);
});

test('IPv4: non-atomic ids running seed+n coalesce, across 2^16', async () => {
  const pkts = stream({ version: 4, df: false, id: 0xfffe }, 4, 1000);
  const { out } = await run(pkts);
  assert.deepEqual(shape(out), [4]);
  assertMerged(out[0]!, pkts);
});

test('IPv4: DF set allows any id', async () => {
  const ids = [5, 5, 900, 3];
  const pkts = ids.map((id, i) => build({ version: 4, seq: 1000 + i * 1000, payload: 1000, id }));
  const { out } = await run(pkts);
  assert.deepEqual(shape(out), [4]);
  assertMerged(out[0]!, pkts);
});

test('IPv4: DF change does not coalesce', async () => {
  const a = build({ version: 4, seq: 1000, payload: 1000, df: true, id: 1 });
  const b = build({ version: 4, seq: 2000, payload: 1000, df: false, id: 2 });
  const { out } = await run([a, b]);
  assert.deepEqual(shape(out), [1, 1]);
});

test('IPv4: a bad header checksum is not merged', async () => {
  const d = stream({ version: 4 }, 3, 1000);
  d[2]![11]! ^= 1;
  const { out, c } = await run(d);
  assert.deepEqual(shape(out), [2, 1]);
  assert.equal(c.stats().badChecksum, 1);
});

test('IPv6: flow label change does not coalesce', async () => {
  const a = build({ version: 6, seq: 1000, payload: 1000, flowLabel: 0x12345 });
  const b = build({ version: 6, seq: 2000, payload: 1000, flowLabel: 0x12346 });
  const c2 = build({ version: 6, seq: 3000, payload: 1000, flowLabel: 0x12346 });
  const { out } = await run([a, b, c2]);
  assert.deepEqual(shape(out), [1, 2]);
  assertMerged(out[1]!, [b, c2]);
});
