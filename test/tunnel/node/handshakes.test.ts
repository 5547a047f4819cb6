// The node's HandshakeManager without a network (test/helpers/handshake-manager.ts):
// what an unauthenticated sender can make it do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IxInitiator, decodeHandshake, encodeHandshake, unixNanos } from '../../../src/tunnel/noise/index.js';
import { marshalHandshakeCertificate } from '../../../src/tunnel/cert/index.js';
import { Endpoint } from '../../../src/udp/index.js';
import { encodeHeader, HEADER_LEN } from '../../../src/tunnel/wire/index.js';
import { DEFERRED_MSG1_MAX } from '../../../src/tunnel/node/handshakes.js';
import { testManager } from '../../helpers/handshake-manager.js';
import { makeFuzzPki, type FuzzHost } from '../../fuzz/pki.js';

const pki = makeFuzzPki();
const alice = pki.host('alice', '198.19.0.1/16');
const bob = pki.host('bob', '198.19.0.2/16');
const DIALLED = Endpoint.of('198.18.0.2', 4242);
const ELSEWHERE = Endpoint.of('198.18.0.66', 4242);

/** A fresh, valid msg1 from `from` (new ephemeral each call) with handshake Time `time`. */
function msg1(from: FuzzHost, time: bigint = unixNanos()): Buffer {
  const i = new IxInitiator({ cipher: 'aes', staticKey: from.keys });
  const body = i.writeMessage1(encodeHandshake({ details: { cert: marshalHandshakeCertificate(from.cert), initiatorIndex: 7, time } }));
  const out = Buffer.alloc(HEADER_LEN + body.length);
  encodeHeader(out, 0, 0, 0, 0, 1);
  out.set(body, HEADER_LEN);
  return out;
}

test('a recv_error naming a pending handshake\'s index acts only from an address its msg1 went to', () => {
  const a = testManager(pki.pool, alice, 'aes', [DIALLED]);
  try {
    const ipB = bob.cert.details.ips[0]!.ipU32;
    assert.ok(a.m.trigger(ipB));
    // The pending handshake's local index travels in clear in msg1's payload (after e and s).
    const local = decodeHandshake(a.sent[0]!.bytes.subarray(HEADER_LEN + 64)).details.initiatorIndex;
    a.m.abandonIndex(local, ELSEWHERE);
    assert.ok(a.m.isPending(ipB), 'a recv_error from elsewhere leaves the handshake pending');
    a.m.abandonIndex(local, DIALLED);
    assert.equal(a.m.isPending(ipB), false, 'from the dialled address it drops it');
  } finally {
    a.dispose();
  }
});

test('valid msg1s from one address beyond its burst are refused unanswered and counted; another address is still answered', () => {
  const b = testManager(pki.pool, bob, 'aes', [], { budget: { perSourceRate: 1, perSourceBurst: 3, perTurn: 1000, maxSources: 100 } });
  try {
    for (let i = 0; i < 10; i++) {
      const m = msg1(alice);
      b.m.onPacket(1, 0, m, 0, m.length, ELSEWHERE);
    }
    assert.equal(b.m.stats.responded, 3, 'the burst is answered');
    assert.equal(b.m.stats.overBudget, 7, 'the rest refused and counted');
    assert.equal(b.sent.length, 3, 'no msg2 for the refused ones');
    const m = msg1(alice);
    b.m.onPacket(1, 0, m, 0, m.length, DIALLED);
    assert.equal(b.m.stats.responded, 4, 'a msg1 from another address is answered');
  } finally {
    b.dispose();
  }
});

test('junk handshake datagrams are refused before the budget: they spend no token', () => {
  const b = testManager(pki.pool, bob, 'aes', [], { budget: { perSourceRate: 1, perSourceBurst: 1, perTurn: 1000, maxSources: 100 } });
  try {
    const junk = Buffer.alloc(HEADER_LEN + 240, 0x5a);
    encodeHeader(junk, 0, 0, 0, 0, 1);
    for (let i = 0; i < 50; i++) b.m.onPacket(1, 0, junk, 0, junk.length, ELSEWHERE);
    assert.equal(b.m.stats.rejected, 50);
    assert.equal(b.m.stats.overBudget, 0, 'junk never reaches the budget');
    const m = msg1(alice);
    b.m.onPacket(1, 0, m, 0, m.length, ELSEWHERE);
    assert.equal(b.m.stats.responded, 1, 'the source\'s one token is still there for a real msg1');
  } finally {
    b.dispose();
  }
});

test('a second msg1 for a peer whose tunnel is proven becomes a candidate; the tunnel stays and is probed', () => {
  const b = testManager(pki.pool, bob, 'aes');
  try {
    const ipA = alice.cert.details.ips[0]!.ipU32;
    const first = msg1(alice);
    b.m.onPacket(1, 0, first, 0, first.length, DIALLED);
    const t0 = b.hostmap.get(ipA)!;
    assert.equal(t0.awaitingProof, true, 'a tunnel from msg1 awaits its proof');
    b.m.proven(t0);
    const second = msg1(alice);
    b.m.onPacket(1, 0, second, 0, second.length, ELSEWHERE);
    assert.equal(b.hostmap.get(ipA), t0, 'the proven tunnel stays');
    const cand = b.hostmap.candidate(ipA)!;
    assert.ok(cand !== undefined && cand !== t0, 'the new handshake waits as a candidate');
    assert.equal(b.hostmap.byLocalIndex(cand.localIndex), cand, 'reachable by its index, for the proof');
    assert.deepEqual(b.probed, [t0], 'the established tunnel is asked whether it is alive');
    b.m.proven(cand);
    assert.equal(b.hostmap.get(ipA), cand, 'a packet authenticated on the candidate makes it the tunnel');
    assert.ok(t0.isClosed, 'the old tunnel is closed');
    assert.equal(b.m.stats.promoted, 1);
  } finally {
    b.dispose();
  }
});

test('an unproven tunnel is replaced by the next msg1 whatever its Time; a proven one refuses an older Time', () => {
  const b = testManager(pki.pool, bob, 'aes');
  try {
    const ipA = alice.cert.details.ips[0]!.ipU32;
    const withTime = (time: bigint): Buffer => msg1(alice, time);
    const huge = withTime((1n << 64n) - 1n);
    b.m.onPacket(1, 0, huge, 0, huge.length, ELSEWHERE);
    const forged = b.hostmap.get(ipA)!;
    const honest = withTime(unixNanos());
    b.m.onPacket(1, 0, honest, 0, honest.length, DIALLED);
    assert.notEqual(b.hostmap.get(ipA), forged, 'an unproven Time of 2^64-1 locks nobody out');
    assert.equal(b.m.stats.tooOld, 0);
    b.m.proven(b.hostmap.get(ipA)!);
    const older = withTime(1n);
    b.m.onPacket(1, 0, older, 0, older.length, DIALLED);
    assert.equal(b.m.stats.tooOld, 1, 'a proven tunnel\'s Time is defended');
  } finally {
    b.dispose();
  }
});

test('msg1s from one address beyond the screen are refused before they are parsed; another address is still parsed', () => {
  const b = testManager(pki.pool, bob, 'aes', [], { screen: { perSourceRate: 1, perSourceBurst: 10, perTurn: 1000, maxSources: 100 } });
  try {
    const junk = Buffer.alloc(HEADER_LEN + 240, 0x5a);
    encodeHeader(junk, 0, 0, 0, 0, 1);
    for (let i = 0; i < 50; i++) b.m.onPacket(1, 0, junk, 0, junk.length, ELSEWHERE);
    assert.equal(b.m.stats.rejected, 10, 'the screen\'s burst is parsed (and refused as junk)');
    assert.equal(b.m.stats.overBudget, 40, 'the rest are refused unparsed');
    const m = msg1(alice);
    b.m.onPacket(1, 0, m, 0, m.length, DIALLED);
    assert.equal(b.m.stats.responded, 1, 'another address is parsed and answered');
  } finally {
    b.dispose();
  }
});

test('remote_allow_list: a msg1 or a msg2 from a refused address is ignored and counted; the same from an allowed one works', () => {
  const allowed = (_ip: number, from: Endpoint): boolean => !from.equals(ELSEWHERE);
  const a = testManager(pki.pool, alice, 'aes', [DIALLED], {}, allowed);
  const b = testManager(pki.pool, bob, 'aes', [], {}, allowed);
  try {
    const refused = msg1(alice);
    b.m.onPacket(1, 0, refused, 0, refused.length, ELSEWHERE);
    assert.equal(b.m.stats.remoteDenied, 1);
    assert.equal(b.sent.length, 0, 'no msg2 for a refused address');
    const ipB = bob.cert.details.ips[0]!.ipU32;
    assert.ok(a.m.trigger(ipB));
    const m1 = a.sent[0]!.bytes;
    b.m.onPacket(1, 0, m1, 0, m1.length, DIALLED);
    assert.equal(b.m.stats.responded, 1);
    const m2 = b.sent[0]!.bytes;
    const ri = m2.readUInt32BE(4);
    a.m.onPacket(2, ri, m2, 0, m2.length, ELSEWHERE);
    assert.equal(a.m.stats.remoteDenied, 1);
    assert.ok(a.m.isPending(ipB), 'a msg2 from a refused address leaves the handshake pending');
    a.m.onPacket(2, ri, m2, 0, m2.length, DIALLED);
    assert.equal(a.m.stats.completed, 1);
    assert.ok(a.hostmap.get(ipB), 'the msg2 from the allowed address makes the tunnel');
  } finally {
    a.dispose();
    b.dispose();
  }
});

/** Lets event-loop turns pass (setImmediate each) until `done`, at most `turns` of them. */
async function turnsUntil(done: () => boolean, turns: number): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await new Promise((r) => setImmediate(r));
}

test('msg1s beyond a turn\'s allowance are answered in the next turns, not refused; beyond one receive batch of them they are refused', async () => {
  const perTurn = 3;
  const b = testManager(pki.pool, bob, 'aes', [], { budget: { perSourceRate: 1000, perSourceBurst: 1000, perTurn, maxSources: 100 } });
  try {
    const peers = Array.from({ length: perTurn + DEFERRED_MSG1_MAX + 2 }, (_, i) => pki.host(`burst${i}`, `198.19.2.${i + 1}/16`));
    for (const p of peers) {
      const m = msg1(p);
      b.m.onPacket(1, 0, m, 0, m.length, ELSEWHERE);
    }
    assert.equal(b.m.stats.responded, perTurn, 'this turn\'s allowance is answered at once');
    assert.equal(b.m.stats.deferred, DEFERRED_MSG1_MAX, 'one receive batch of msg1s waits');
    assert.equal(b.m.stats.overBudget, 2, 'the rest are refused');
    await turnsUntil(() => b.m.stats.responded === perTurn + DEFERRED_MSG1_MAX, 4 * DEFERRED_MSG1_MAX);
    assert.equal(b.m.stats.responded, perTurn + DEFERRED_MSG1_MAX, 'every waiting msg1 is answered');
    assert.equal(b.sent.length, perTurn + DEFERRED_MSG1_MAX, 'one msg2 each');
    assert.equal(b.hostmap.size, perTurn + DEFERRED_MSG1_MAX, 'one tunnel each');
    assert.equal(b.m.stats.rejected, 0);
  } finally {
    b.dispose();
  }
});

test('a held msg1 whose turn was spent before it came up waits for the next turn instead of being refused', async () => {
  const b = testManager(pki.pool, bob, 'aes', [], { budget: { perSourceRate: 1000, perSourceBurst: 1000, perTurn: 1, maxSources: 100 } });
  try {
    const first = msg1(pki.host('early', '198.19.3.2/16'));
    b.m.onPacket(1, 0, first, 0, first.length, ELSEWHERE);
    // Runs after the budget's turn reset and before the held msg1 is taken up: spends the new turn.
    const late = msg1(pki.host('late', '198.19.3.3/16'));
    setImmediate(() => b.m.onPacket(1, 0, late, 0, late.length, Endpoint.of('198.18.0.99', 4242)));
    const held = msg1(alice);
    b.m.onPacket(1, 0, held, 0, held.length, DIALLED);
    assert.equal(b.m.stats.deferred, 1, 'the turn is spent: alice\'s msg1 waits');
    await turnsUntil(() => b.m.stats.responded === 3, 16);
    assert.equal(b.m.stats.overBudget, 0, 'nothing refused');
    assert.ok(b.hostmap.get(alice.cert.details.ips[0]!.ipU32) !== undefined, 'alice has her tunnel');
  } finally {
    b.dispose();
  }
});

test('a retransmitted msg1 waiting beside its original is answered once, then from the cache', async () => {
  const b = testManager(pki.pool, bob, 'aes', [], { budget: { perSourceRate: 1000, perSourceBurst: 1000, perTurn: 1, maxSources: 100 } });
  try {
    const first = msg1(pki.host('spender', '198.19.3.1/16'));
    b.m.onPacket(1, 0, first, 0, first.length, ELSEWHERE);
    const m = msg1(alice);
    b.m.onPacket(1, 0, m, 0, m.length, DIALLED);
    b.m.onPacket(1, 0, m, 0, m.length, DIALLED);
    assert.equal(b.m.stats.deferred, 2, 'both copies wait: the turn is spent');
    await turnsUntil(() => b.m.stats.responded + b.m.stats.cachedReplies === 3, 16);
    assert.equal(b.m.stats.responded, 2, 'the original is answered');
    assert.equal(b.m.stats.cachedReplies, 1, 'the copy gets the cached msg2');
    assert.deepEqual(b.sent[2]!.bytes, b.sent[1]!.bytes, 'the same msg2 twice');
  } finally {
    b.dispose();
  }
});

test('a stopped manager answers no msg1 it was holding', async () => {
  const b = testManager(pki.pool, bob, 'aes', [], { budget: { perSourceRate: 1000, perSourceBurst: 1000, perTurn: 1, maxSources: 100 } });
  const first = msg1(pki.host('spender2', '198.19.3.2/16'));
  b.m.onPacket(1, 0, first, 0, first.length, ELSEWHERE);
  const m = msg1(alice);
  b.m.onPacket(1, 0, m, 0, m.length, DIALLED);
  assert.equal(b.m.stats.deferred, 1);
  b.dispose();
  await turnsUntil(() => false, 4);
  assert.equal(b.m.stats.responded, 1, 'only the msg1 answered before the stop');
  assert.equal(b.sent.length, 1);
});
