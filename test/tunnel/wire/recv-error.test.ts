import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TYPE_CLOSE_TUNNEL,
  TYPE_CONTROL,
  TYPE_HANDSHAKE,
  TYPE_LIGHTHOUSE,
  TYPE_MESSAGE,
  TYPE_RECV_ERROR,
  TYPE_TEST,
  encodeRecvError,
  isPrivateAddress,
  isTunnelType,
  recvErrorPacket,
  shouldSendRecvError,
} from '../../../src/tunnel/wire/index.js';

test('recvErrorPacket is the documented probe reply 12000000123456780000000000000000 (docs/PROTOCOL.md "Checking a fact by hand")', () => {
  assert.equal(Buffer.from(recvErrorPacket(0x12345678)).toString('hex'), '12000000123456780000000000000000');
});

test('encodeRecvError writes at an offset and returns the end', () => {
  const buf = new Uint8Array(20).fill(0xaa);
  assert.equal(encodeRecvError(buf, 2, 0xffffffff), 18);
  assert.equal(Buffer.from(buf).toString('hex'), 'aaaa' + '12000000ffffffff0000000000000000' + 'aaaa');
});

test('only the encrypted tunnel types earn a recv_error (docs/PROTOCOL.md "recv_error")', () => {
  for (const t of [TYPE_MESSAGE, TYPE_LIGHTHOUSE, TYPE_TEST, TYPE_CLOSE_TUNNEL, TYPE_CONTROL]) assert.equal(isTunnelType(t), true);
  for (const t of [TYPE_HANDSHAKE, TYPE_RECV_ERROR, 7, 15]) assert.equal(isTunnelType(t), false);
});

test('send_recv_error modes: always, never, private (Go IsPrivate ranges)', () => {
  assert.equal(shouldSendRecvError('always', '8.8.8.8'), true);
  assert.equal(shouldSendRecvError('never', '10.0.0.1'), false);
  for (const a of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.7.7', 'fc00::1', 'fdff::2', '::ffff:10.0.0.1', '[fd00::1]']) {
    assert.equal(shouldSendRecvError('private', a), true, a);
  }
  for (const a of ['198.18.0.1', '172.32.0.1', '172.15.0.1', '192.169.0.1', '8.8.8.8', '::1', 'fe80::1', '2001:db8::1', 'not-an-ip']) {
    assert.equal(isPrivateAddress(a), false, a);
  }
});
