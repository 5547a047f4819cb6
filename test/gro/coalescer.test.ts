// What passes through, output order, flow table limits, flush life cycle and misuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClosedError, OptionError } from '../../src/errors.js';
import { Coalescer, CoalescerBusyError } from '../../src/gro/index.js';
import type { Packet } from '../../src/tun/packet.js';
import { CaptureSink, assertMerged, assertUnchanged, feed, run, shape } from './harness.js';
import { ACK, FIN, build, stream } from '../../kit/packet.js';

for (const version of [4, 6] as const) {
  const v = `IPv${version}`;

  test(`${v}: lanes off: everything passes through`, async () => {
    const tcp = stream({ version }, 3, 1000);
    const udp = [1, 2, 3].map((i) => build({ version, proto: 'udp', payload: 500, fill: i }));
    const all = [...tcp, ...udp];
    const { out, c } = await run(all, { tcp: false, udp: false });
    assert.equal(out.length, all.length);
    all.forEach((p, i) => assertUnchanged(out[i]!, p));
    assert.equal(c.stats().passthrough, all.length);
  });

  test(`${v}: TCP lane only: UDP passes through`, async () => {
    const tcp = stream({ version }, 3, 1000);
    const udp = [1, 2].map((i) => build({ version, proto: 'udp', payload: 500, fill: i }));
    const { out } = await run([...tcp, ...udp], { tcp: true, udp: false });
    assert.deepEqual(shape(out), [3, 1, 1]);
  });

  test(`${v}: UDP lane only: TCP passes through`, async () => {
    const tcp = stream({ version }, 2, 1000);
    const udp = [1, 2].map((i) => build({ version, proto: 'udp', payload: 500, fill: i }));
    const { out } = await run([...tcp, ...udp], { tcp: false, udp: true });
    assert.deepEqual(shape(out), [1, 1, 2]);
  });

  test(`${v}: output order is arrival order`, async () => {
    const a = stream({ version, sport: 1 }, 3, 1000);
    const b = stream({ version, sport: 2 }, 2, 800);
    const u = [1, 2].map((i) => build({ version, proto: 'udp', payload: 100, fill: i }));
    const icmpLike = Buffer.from(build({ version, payload: 10 }));
    // Another protocol number (ICMP 1 / ICMPv6 58) is not in any lane; its checksum is irrelevant here.
    icmpLike[version === 4 ? 9 : 6] = version === 4 ? 1 : 58;
    const input = [a[0]!, icmpLike, b[0]!, u[0]!, a[1]!, b[1]!, u[1]!, a[2]!];
    const { out } = await run(input);
    assert.deepEqual(shape(out), [3, 1, 2, 2]);
    assertMerged(out[0]!, a);
    assertUnchanged(out[1]!, icmpLike);
    assertMerged(out[2]!, b);
    assertMerged(out[3]!, u);
  });

  test(`${v}: lightFirst: a lone packet and a lone datagram are written before the streams' superpackets`, async () => {
    const a = stream({ version, sport: 1 }, 3, 1000);
    const icmpLike = Buffer.from(build({ version, payload: 10 }));
    icmpLike[version === 4 ? 9 : 6] = version === 4 ? 1 : 58;
    const dns = build({ version, proto: 'udp', payload: 60, sport: 53, dport: 5353 });
    const input = [a[0]!, a[1]!, icmpLike, a[2]!, dns];
    const { out } = await run(input, { lightFirst: true });
    assert.deepEqual(shape(out), [1, 1, 3]);
    assertUnchanged(out[0]!, icmpLike);
    assertUnchanged(out[1]!, dns);
    assertMerged(out[2]!, a);
    // The same batch without the option: arrival order.
    const plain = await run(input);
    assert.deepEqual(shape(plain.out), [3, 1, 1]);
    assertUnchanged(plain.out[1]!, icmpLike);
  });

  test(`${v}: lightFirst: a stream's own FIN with data, and pure ACKs, stay in arrival order behind its data`, async () => {
    const a = stream({ version, sport: 1 }, 2, 1000);
    const fin = build({ version, sport: 1, seq: 3000, flags: FIN | ACK, payload: 10 });
    const ack = build({ version, sport: 9, dport: 10, ack: 77 });
    const lone = build({ version, proto: 'udp', payload: 20, sport: 11 });
    const { out } = await run([a[0]!, a[1]!, ack, fin, lone], { lightFirst: true });
    assert.deepEqual(shape(out), [1, 2, 1, 1]);
    assertUnchanged(out[0]!, lone);
    assertMerged(out[1]!, a);
    assertUnchanged(out[2]!, ack);
    assertUnchanged(out[3]!, fin);
  });

  test(`${v}: a flow restarted after its chain closed comes after what arrived in between`, async () => {
    const a1 = stream({ version, sport: 1 }, 2, 1000);
    const b = stream({ version, sport: 2 }, 2, 1000);
    const a2 = stream({ version, sport: 1, seq: 50000 }, 2, 1000);
    const { out } = await run([...a1, b[0]!, a2[0]!, b[1]!, a2[1]!]);
    assert.deepEqual(shape(out), [2, 2, 2]);
    assertMerged(out[0]!, a1);
    assertMerged(out[1]!, b);
    assertMerged(out[2]!, a2);
  });

  test(`${v}: flow table full: new flows pass through, held flows still grow`, async () => {
    const f = [1, 2, 3].map((sport) => stream({ version, sport }, 2, 1000));
    const input = [f[0]![0]!, f[1]![0]!, f[2]![0]!, f[0]![1]!, f[1]![1]!, f[2]![1]!];
    const { out, c } = await run(input, { maxFlows: 2 });
    assert.deepEqual(shape(out), [2, 2, 1, 1]);
    assertMerged(out[0]!, f[0]!);
    assertMerged(out[1]!, f[1]!);
    assertUnchanged(out[2]!, f[2]![0]!);
    assertUnchanged(out[3]!, f[2]![1]!);
    assert.equal(c.stats().flowTableFull, 2);
  });

  test(`${v}: IPv${version === 4 ? '4 with options / fragments' : '6 extension headers'} pass through`, async () => {
    const odd = version === 4
      ? [
        ...[0, 1, 2].map((i) => build({ version, seq: 1000 + i * 1000, payload: 1000, ipOptionsLen: 4 })),
        ...[0, 1].map((i) => build({ version, seq: 1000 + i * 1000, payload: 1000, df: false, mf: true, id: 5 + i })),
        build({ version, seq: 9000, payload: 1000, df: false, fragOffset: 100 }),
      ]
      : [0, 1, 2].map((i) => build({ version, seq: 1000 + i * 1000, payload: 1000, v6DestOpts: true }));
    const { out, c } = await run(odd);
    assert.equal(out.length, odd.length);
    odd.forEach((p, i) => assertUnchanged(out[i]!, p));
    assert.equal(c.stats().segmentsCoalesced, 0);
  });

  test(`${v}: truncated or inconsistent packets pass through`, async () => {
    const good = build({ version, seq: 1000, payload: 100 });
    const shortLen = Buffer.from(good);
    // IP length field one byte short of the buffer.
    if (version === 4) shortLen[3]! -= 1;
    else shortLen[5]! -= 1;
    const badOffset = Buffer.from(good);
    badOffset[(version === 4 ? 20 : 40) + 12] = 0xf0; // TCP data offset beyond the packet
    const tiny = good.subarray(0, 10);
    const { out } = await run([shortLen, badOffset, Buffer.from(tiny)]);
    assert.equal(out.length, 3);
    assertUnchanged(out[0]!, shortLen);
    assertUnchanged(out[1]!, badOffset);
    assertUnchanged(out[2]!, tiny);
  });

  test(`${v}: a flush resets everything; the next batch starts fresh`, async () => {
    const sink = new CaptureSink();
    const c = new Coalescer(sink, { tcp: true, udp: true });
    const pkts = stream({ version }, 6, 1000);
    await feed(c, pkts.slice(0, 3));
    await feed(c, pkts.slice(3));
    assert.deepEqual(shape(sink.written), [3, 3]);
    assertMerged(sink.written[0]!, pkts.slice(0, 3));
    assertMerged(sink.written[1]!, pkts.slice(3));
    await c.flush();
    assert.equal(sink.written.length, 2, 'an empty flush writes nothing');
  });
}

test('stats add up: every packet is passed, written as a chain, or coalesced', async () => {
  const input = [
    ...stream({ version: 4 }, 5, 1000),
    build({ version: 4, seq: 99, payload: 0 }),
    ...stream({ version: 6, sport: 7 }, 3, 500),
    build({ version: 6, proto: 'udp', payload: 0 }),
  ];
  const { c } = await run(input);
  const s = c.stats();
  assert.equal(s.packetsIn, input.length);
  assert.equal(s.packetsIn, s.passthrough + s.chainsWritten + s.segmentsCoalesced);
  assert.equal(s.flushes, 1);
  assert.equal(s.superpackets, 2);
});

test('many passthroughs in one flush (beyond the initial room) keep order', async () => {
  const input = Array.from({ length: 700 }, (_, i) => build({ version: 4, seq: i, payload: 0, fill: i }));
  const { out } = await run(input);
  assert.equal(out.length, 700);
  input.forEach((p, i) => assertUnchanged(out[i]!, p));
});

test('add() during a flush throws CoalescerBusyError; so does a second flush()', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => { release = r; });
  const sink = { write: (_p: Packet) => gate };
  const c = new Coalescer(sink, { tcp: true, udp: true });
  const p = build({ version: 4, payload: 10 });
  c.add(p, 0, p.length);
  const flushing = c.flush();
  assert.throws(() => c.add(p, 0, p.length), (e: unknown) => e instanceof CoalescerBusyError && e.code === 'ERR_TIO_COALESCER_BUSY');
  await assert.rejects(c.flush(), CoalescerBusyError);
  release();
  await flushing;
  c.add(p, 0, p.length);
  await c.flush();
});

test('close() frees the chain store at once, refuses to run during a flush, and add()/flush() throw ClosedError after', async () => {
  let superpacket: Packet | null = null;
  const sink = new CaptureSink();
  const c = new Coalescer({
    write: (p: Packet) => {
      if (p.gso) superpacket = p;
      return sink.write(p);
    },
  }, { tcp: true, udp: true });
  const pkts = stream({ version: 4 }, 3, 1000);
  await feed(c, pkts);
  assertMerged(sink.written[0]!, pkts);
  const store = (superpacket as Packet | null)!.buf;
  assert.ok(store.byteLength > 0);
  c.add(pkts[0]!, 0, pkts[0]!.length);
  const flushing = c.flush();
  assert.throws(() => c.close(), CoalescerBusyError);
  await flushing;
  c.close();
  assert.equal(store.byteLength, 0, 'the store was released (its views are empty), not left to GC');
  c.close();
  assert.throws(() => c.add(pkts[0]!, 0, pkts[0]!.length), ClosedError);
  await assert.rejects(c.flush(), ClosedError);
});

test('a sink error does not stop the flush; flush rejects with the first error', async () => {
  const seen: number[] = [];
  let n = 0;
  const sink = {
    write(p: Packet): Promise<void> {
      seen.push(p.len);
      n++;
      if (n === 1 || n === 3) return Promise.reject(new Error(`write ${n}`));
      return Promise.resolve();
    },
  };
  const c = new Coalescer(sink, { tcp: true, udp: true });
  const input = [10, 20, 30, 40].map((len, i) => build({ version: 4, sport: 1000 + i, payload: len }));
  for (const p of input) c.add(p, 0, p.length);
  await assert.rejects(c.flush(), /write 1/);
  assert.deepEqual(seen, [50, 60, 70, 80], 'every packet written, in order');
  assert.equal(c.stats().writeErrors, 2);
  c.add(input[0]!, 0, input[0]!.length);
  await c.flush();
  assert.equal(seen.length, 5, 'state was reset after the failed flush');
});

test('maxFlows must be an integer from 1 to MAX_FLOWS_LIMIT', () => {
  const sink = new CaptureSink();
  for (const maxFlows of [0, -1, 1.5, 5000, Number.NaN]) {
    assert.throws(() => new Coalescer(sink, { tcp: true, udp: true, maxFlows }), OptionError);
  }
});

test('a chain whose packets sit in different buffers (one each, or two shared) is written exactly as from one buffer, PSH included', async () => {
  const pkts = [...stream({ version: 4 }, 5, 1200), build({ version: 4, seq: 7000, payload: 1200, flags: 0x18 })];
  const { out: shared } = await run(pkts);
  assert.deepEqual(shape(shared), [6]);
  assertMerged(shared[0]!, pkts, true);
  const layouts: Buffer[][] = [
    pkts.map((p) => Buffer.from(p)),
    // Seed and two payloads in one buffer, the other three in another, then back.
    (() => {
      const a = Buffer.concat(pkts.slice(0, 3));
      const b = Buffer.concat(pkts.slice(3, 5));
      let at = 0;
      const views = pkts.slice(0, 3).map((p) => a.subarray(at, (at += p.length)));
      at = 0;
      views.push(...pkts.slice(3, 5).map((p) => b.subarray(at, (at += p.length))));
      views.push(Buffer.from(pkts[5]!));
      return views;
    })(),
  ];
  for (const views of layouts) {
    const sink = new CaptureSink();
    const c = new Coalescer(sink, { tcp: true, udp: true });
    for (const v of views) c.add(Buffer.from(v.buffer, 0, v.byteOffset + v.length), v.byteOffset, v.length);
    await c.flush();
    assert.equal(sink.written.length, 1);
    assert.ok(sink.written[0]!.bytes.equals(shared[0]!.bytes), 'same superpacket bytes');
    assert.deepEqual(sink.written[0]!.gso, shared[0]!.gso);
  }
});
