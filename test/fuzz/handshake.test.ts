// Fuzz: Nebula IX handshake messages from the network, valid ones mutated at
// three depths (the whole msg1/msg2 body, the cleartext NebulaHandshake payload
// of msg1, the certificate inside it), through the same steps a node takes:
// readMessage1/readMessage2, decodeHandshake, recombineHandshakeCertificate,
// verifyCertificate. Only the documented peer-fault errors may come out; a
// mutated msg2 never completes a handshake and never spoils the genuine one.
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CertError, marshalDetails, marshalHandshakeCertificate, recombineHandshakeCertificate, verifyCertificate,
} from '../../src/tunnel/cert/index.js';
import {
  HandshakePayloadError, IxInitiator, IxResponder, NoiseError, decodeHandshake, encodeHandshake, unixNanos,
  type NoiseCipher,
} from '../../src/tunnel/noise/index.js';
import { ProtobufError } from '../../src/tunnel/protobuf/index.js';
import { describeParams, FUZZ_TIMEOUT_MS, fuzzParams } from './config.js';
import { hex, typed } from './guard.js';
import { applyMutations, mutations } from './mutate.js';
import { LOW_ORDER_POINTS, makeFuzzPki, type FuzzHost } from './pki.js';

/** What handshakes.ts counts as the peer's fault (isPeerFault): dropped and counted, the node carries on. */
const PEER_FAULT = [NoiseError, CertError, HandshakePayloadError, ProtobufError] as const;

const pki = makeFuzzPki();
const alice = pki.host('alice', '198.19.0.1/16');
const bob = pki.host('bob', '198.19.0.2/16');

function msg1Payload(h: FuzzHost, certBytes?: Uint8Array): Uint8Array {
  return encodeHandshake({ details: { cert: certBytes ?? marshalHandshakeCertificate(h.cert), initiatorIndex: 0x01020304, time: unixNanos() } });
}

function msg1Body(h: FuzzHost, cipher: NoiseCipher, payload: Uint8Array): { body: Uint8Array; initiator: IxInitiator } {
  const initiator = new IxInitiator({ cipher, staticKey: h.keys });
  return { body: initiator.writeMessage1(payload), initiator };
}

/**
 * Stage 1 as handshakes.ts onMsg1 runs it: the steps inside its try (a peer
 * fault there is dropped and counted), its own checks, then writeMessage2, which
 * the node calls outside the try. Returns the outcome; throws on an undocumented error.
 */
function respondLikeNode(body: Uint8Array, cipher: NoiseCipher): { stage: 'rejected' | 'checks' | 'msg2-failed' | 'answered'; why?: string } {
  const responder = new IxResponder({ cipher, staticKey: bob.keys });
  const r = typed(() => {
    const m1 = responder.readMessage1(body);
    const hs = decodeHandshake(m1.payload);
    const cert = recombineHandshakeCertificate(hs.details.cert, m1.remoteStatic);
    return { hs, verified: verifyCertificate(cert, pki.pool) };
  }, PEER_FAULT, 'stage 1');
  if (!r.ok) return { stage: 'rejected', why: (r.error as { reason?: string }).reason ?? r.error.code };
  const vpnIp = r.value.verified.cert.details.ips[0]?.ipU32;
  if (vpnIp === undefined || r.value.hs.details.initiatorIndex === 0) return { stage: 'checks' };
  const payload = encodeHandshake({ details: { cert: marshalHandshakeCertificate(bob.cert), initiatorIndex: r.value.hs.details.initiatorIndex, responderIndex: 7, time: unixNanos() } });
  const w = typed(() => responder.writeMessage2(payload), PEER_FAULT, 'writeMessage2');
  if (!w.ok) return { stage: 'msg2-failed', why: (w.error as { reason?: string }).reason ?? w.error.code };
  return { stage: 'answered' };
}

// Which layer of msg1 a run mutates.
const depth = fc.constantFrom('body' as const, 'payload' as const, 'cert' as const);
const cipher = fc.constantFrom('aes' as const, 'chachapoly' as const);

function mutatedMsg1(d: 'body' | 'payload' | 'cert', c: NoiseCipher, muts: Parameters<typeof applyMutations>[1]): Uint8Array {
  if (d === 'cert') return msg1Body(alice, c, msg1Payload(alice, applyMutations(marshalHandshakeCertificate(alice.cert), muts))).body;
  if (d === 'payload') return msg1Body(alice, c, applyMutations(msg1Payload(alice), muts)).body;
  return applyMutations(msg1Body(alice, c, msg1Payload(alice)).body, muts, LOW_ORDER_POINTS);
}

test('fuzz: mutated msg1 (body, cleartext payload, certificate) fails stage 1 only with the documented peer-fault errors', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x1a51, 800, 0.1);
  t.diagnostic(describeParams(params));
  const outcomes = new Map<string, number>();
  fc.assert(fc.property(depth, cipher, mutations({ tokens: LOW_ORDER_POINTS.length, maxCount: 3 }), (d, c, muts) => {
    const body = mutatedMsg1(d, c, muts);
    const responder = new IxResponder({ cipher: c, staticKey: bob.keys });
    const r = typed(() => {
      const m1 = responder.readMessage1(body);
      const hs = decodeHandshake(m1.payload);
      const cert = recombineHandshakeCertificate(hs.details.cert, m1.remoteStatic);
      const v = verifyCertificate(cert, pki.pool);
      // A certificate that verifies after mutation must say what the CA signed: no forgery by re-encoding.
      if (hex(marshalDetails(v.cert.details)) !== hex(marshalDetails({ ...alice.cert.details }))) {
        throw new Error('a mutated certificate verified with details the CA never signed');
      }
      return responder.writeMessage2(new Uint8Array(0));
    }, PEER_FAULT, `stage 1 (${d})`);
    const key = r.ok ? 'answered' : `${r.error.constructor.name}:${(r.error as { reason?: string }).reason ?? ''}`;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }), params);
  t.diagnostic(`outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

// Stricter than "typed": a node (handshakes.ts onMsg1) calls writeMessage2 outside its
// try/catch, so a msg1 that passes stage 1 and the node's checks but makes writeMessage2
// throw escapes the inbound loop and stops the node. A low-order ephemeral key in the
// (unauthenticated) msg1 does exactly that. Known bug in src/tunnel/node (not ours to fix):
// the fix moves writeMessage2 inside the try; see the hostile-handshake node test.
test('fuzz: a msg1 that passes stage 1 and the node\'s checks can always be answered (writeMessage2 does not throw)', {
  timeout: FUZZ_TIMEOUT_MS,
  todo: 'fails until src/tunnel/node/handshakes.ts catches writeMessage2 errors (a low-order ephemeral key in msg1 makes it throw NoiseError bad-key)',
}, (t) => {
  const params = fuzzParams(0x1a52, 400, 0.05);
  t.diagnostic(describeParams(params));
  fc.assert(fc.property(cipher, mutations({ tokens: LOW_ORDER_POINTS.length, maxCount: 2 }), (c, muts) => {
    const body = applyMutations(msg1Body(alice, c, msg1Payload(alice)).body, muts, LOW_ORDER_POINTS);
    const out = respondLikeNode(body, c);
    if (out.stage === 'msg2-failed') throw new Error(`msg1 ${hex(body.subarray(0, 64))}… passed stage 1 but writeMessage2 threw (${out.why}): the node would stop`);
  }), params);
});

test('fuzz: a mutated msg2 never completes the handshake and leaves the initiator able to read the genuine msg2 with the responder\'s keys', { timeout: FUZZ_TIMEOUT_MS }, (t) => {
  const params = fuzzParams(0x1a53, 300, 0.05);
  t.diagnostic(describeParams(params));
  const reasons = new Map<string, number>();
  fc.assert(fc.property(cipher, fc.array(mutations({ tokens: LOW_ORDER_POINTS.length, maxCount: 3 }), { minLength: 1, maxLength: 3 }), (c, attempts) => {
    const { body, initiator } = msg1Body(alice, c, msg1Payload(alice));
    const responder = new IxResponder({ cipher: c, staticKey: bob.keys });
    responder.readMessage1(body);
    const genuine = responder.writeMessage2(encodeHandshake({ details: { cert: marshalHandshakeCertificate(bob.cert), initiatorIndex: 0x01020304, responderIndex: 9, time: unixNanos() } }));
    for (const muts of attempts) {
      const forged = applyMutations(genuine.bytes, muts, LOW_ORDER_POINTS);
      if (hex(forged) === hex(genuine.bytes)) continue;
      // Stage 2 as handshakes.ts onMsg2 runs it, all inside its try.
      const r = typed(() => {
        const res = initiator.readMessage2(forged);
        const hs = decodeHandshake(res.payload);
        return verifyCertificate(recombineHandshakeCertificate(hs.details.cert, res.remoteStatic), pki.pool);
      }, PEER_FAULT, 'stage 2');
      if (r.ok) throw new Error(`a mutated msg2 completed the handshake: ${hex(forged)}`);
      const key = (r.error as { reason?: string }).reason ?? r.error.code;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
    const res = initiator.readMessage2(genuine.bytes);
    if (hex(res.k1) !== hex(genuine.k1) || hex(res.k2) !== hex(genuine.k2)) throw new Error('after forged msg2s the genuine one gives other keys');
    verifyCertificate(recombineHandshakeCertificate(decodeHandshake(res.payload).details.cert, res.remoteStatic), pki.pool);
  }), params);
  t.diagnostic(`forged msg2 refusals ${JSON.stringify(Object.fromEntries(reasons))}`);
});
