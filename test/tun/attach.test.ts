// Queue.attach makes the handle's fd non-blocking: a queue waits in poll, and a
// blocking read on an empty fd would stall its whole thread. (The queue's
// uv_poll_init sets O_NONBLOCK, libuv >= 1.2.2.) Tried in a child node, so a
// regression shows as a child killed on timeout, not a hung run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { nativeAvailable } from '../../src/native.js';
import { collect } from '../../kit/run.js';

const INDEX_URL = new URL('../../src/index.js', import.meta.url).href;
const NATIVE_URL = new URL('../../src/native.js', import.meta.url).href;

/** O_NONBLOCK in the octal `flags:` line of /proc/<pid>/fdinfo (asm-generic/fcntl.h). */
const O_NONBLOCK = 0o4000;

test('Queue.attach sets O_NONBLOCK on a blocking fd, so read() on an empty queue returns at once and resolves on data', {
  skip: nativeAvailable ? undefined : 'native addon not built', timeout: 30_000,
}, async () => {
  const script = `
    const { Queue } = await import(${JSON.stringify(INDEX_URL)});
    const { native } = await import(${JSON.stringify(NATIVE_URL)});
    const { openSync, writeSync, readFileSync, mkdtempSync, rmSync, closeSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'tio-attach-'));
    const path = join(dir, 'q');
    execFileSync('mkfifo', [path]);
    // O_RDWR: opening does not wait for a writer, and the fd is blocking.
    const fd = openSync(path, 'r+');
    const flags = () => parseInt(/^flags:\\s*([0-7]+)/m.exec(readFileSync('/proc/self/fdinfo/' + fd, 'utf8'))[1], 8);
    const before = flags();
    const q = Queue.attach({ fd, closeFd: native.eventfdCreate(), name: 'fifo', index: 0,
      capabilities: { vnetHdr: false, tso: false, uso: false }, writeStrategy: 'writev', rxBufferSize: 65536 });
    const after = flags();
    // Nothing is queued: with a blocking fd this call would never return.
    const pending = q.read();
    const returned = true;
    const writer = openSync(path, 'w');
    const pkt = Buffer.alloc(28);
    pkt[0] = 0x45;
    pkt.writeUInt16BE(28, 2);
    pkt[9] = 17;
    pkt.writeUInt32BE(0xdeadbeef, 24);
    writeSync(writer, pkt);
    const batch = await pending;
    console.log(JSON.stringify({ before, after, returned, n: batch.length, same: Buffer.compare(batch[0].data, pkt) === 0 }));
    q.close();
    closeSync(writer);
    rmSync(dir, { recursive: true });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const r = await collect(child, 20_000, 'attach child');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { before: number; after: number; returned: boolean; n: number; same: boolean };
  assert.equal(out.before & O_NONBLOCK, 0, 'the fd starts blocking');
  assert.equal(out.after & O_NONBLOCK, O_NONBLOCK, 'attach made it non-blocking');
  assert.equal(out.returned, true);
  assert.equal(out.n, 1);
  assert.equal(out.same, true, 'the packet read is the one written');
});
