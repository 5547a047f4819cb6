// udpOptions: a node's listen settings become the options of every one of its sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { udpOptions } from '../../../src/tunnel/node/options.js';

test('listen.batch and the buffers reach the sockets; 0 or absent keeps the socket defaults', () => {
  assert.deepEqual(udpOptions({ host: '::', port: 4242 }), { host: '::', port: 4242 });
  assert.deepEqual(udpOptions({ host: '0.0.0.0', port: 0, batch: 8, readBuffer: 1 << 20, writeBuffer: 0 }),
    { host: '0.0.0.0', port: 0, batchMessages: 8, receiveBufferBytes: 1 << 20 });
});
