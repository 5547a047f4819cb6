// RelayInbox: the relayed inner packets of one receive batch, kept as ranges of that batch's buffer.
// A batch with GRO can bring thousands; none may be dropped for room (they were, at 256 a batch:
// a relayed TCP stream lost ~12% of its segments).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RelayInbox } from '../../../src/tunnel/node/relay-inbox.js';
import { Endpoint } from '../../../src/udp/index.js';

const PATH = Endpoint.of('0.0.0.0', 7);

test('4096 relayed packets of one batch are all kept, in order, as ranges of its buffer (no copy)', () => {
  const inbox = new RelayInbox();
  const buf = Buffer.alloc(4096 * 16);
  for (let i = 0; i < 4096; i++) {
    buf.writeUInt32BE(i, i * 16);
    assert.equal(inbox.add(PATH, buf, i * 16, 12), true, `packet ${i}`);
  }
  assert.equal(inbox.count, 4096);
  assert.equal(inbox.buf, buf, 'the inbox reads the batch buffer itself');
  for (let i = 0; i < 4096; i++) {
    assert.equal(inbox.buf.readUInt32BE(inbox.offsets[i]!), i);
    assert.equal(inbox.lengths[i], 12);
    assert.equal(inbox.isFrom(i, PATH), true);
  }
  inbox.clear();
  assert.equal(inbox.count, 0);
  assert.equal(inbox.buf.length, 0, 'cleared: no buffer kept alive');
});

test('a packet from another buffer than the batch\'s is refused; after clear() a new batch may start', () => {
  const inbox = new RelayInbox();
  const a = Buffer.alloc(64);
  const b = Buffer.alloc(64);
  assert.equal(inbox.add(PATH, a, 0, 16), true);
  assert.equal(inbox.add(PATH, b, 0, 16), false);
  assert.equal(inbox.count, 1);
  inbox.clear();
  assert.equal(inbox.add(PATH, b, 16, 16), true);
  assert.equal(inbox.buf, b);
});
