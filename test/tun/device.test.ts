// TunDevice open/negotiate/configure/close against the real kernel, inside a
// namespace this test creates.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BadPacketError, NameBusyError, OptionError, Queue, TunDevice } from '../../src/index.js';
import { IFF_MULTI_QUEUE, IFF_VNET_HDR, MASK_TSO_USO, kernelVersion } from '../../src/tun/index.js';
import { native } from '../../src/native.js';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { icmpEchoV4, isEchoReplyV4 } from '../../kit/packet.js';

const skip = rootSkipReason();
let ns: Netns;
before(() => {
  if (!skip) ns = Netns.create('dev');
});
after(destroyAll);

const fdCount = (): number => readdirSync('/proc/self/fd').length;

test('auto offload negotiates TSO and, on Linux >= 6.2, USO', { skip }, () => {
  const d = TunDevice.open({ name: 'tneg0', netns: ns.name });
  try {
    assert.equal(d.capabilities.vnetHdr, true);
    assert.equal(d.capabilities.tso, true);
    const [maj, min] = kernelVersion();
    if (maj > 6 || (maj === 6 && min >= 2)) {
      assert.equal(d.capabilities.uso, true);
      assert.equal(d.offloadMask, MASK_TSO_USO);
    }
    assert.ok(native.tunGetFlags(d.queues[0]!.fileDescriptor) & IFF_VNET_HDR);
  } finally {
    d.close();
  }
});

test("offload 'off' keeps the vnet header with mask 0; vnetHdr false opens a plain TUN", { skip }, () => {
  const off = TunDevice.open({ name: 'toff0', netns: ns.name, offload: 'off' });
  const plain = TunDevice.open({ name: 'tplain0', netns: ns.name, vnetHdr: false });
  try {
    assert.deepEqual(off.capabilities, { vnetHdr: true, tso: false, uso: false });
    assert.equal(off.offloadMask, 0);
    assert.deepEqual(plain.capabilities, { vnetHdr: false, tso: false, uso: false });
    assert.equal(native.tunGetFlags(plain.queues[0]!.fileDescriptor) & IFF_VNET_HDR, 0);
  } finally {
    off.close();
    plain.close();
  }
});

test('a multi-queue device opens every queue with the same flags and capabilities', { skip }, () => {
  const d = TunDevice.open({ name: 'tmq0', netns: ns.name, queues: 4 });
  try {
    assert.equal(d.queues.length, 4);
    for (const q of d.queues) {
      assert.ok(native.tunGetFlags(q.fileDescriptor) & IFF_MULTI_QUEUE);
      assert.deepEqual(q.capabilities, d.capabilities);
    }
  } finally {
    d.close();
  }
});

test('MTU, transmit queue length and addresses are set from code and visible to iproute2', { skip }, () => {
  const d = TunDevice.open({ name: 'tcfg0', netns: ns.name, mtu: 1300, txQueueLen: 1234, addresses: ['198.18.3.1/24', 'fd00:3::1/64'] });
  try {
    d.addAddress('198.18.4.1/24');
    const out = ns.exec('ip', ['addr', 'show', 'dev', 'tcfg0']);
    assert.match(out, /mtu 1300/);
    assert.match(out, /qlen 1234/);
    assert.match(out, /inet 198\.18\.3\.1\/24/);
    assert.match(out, /inet 198\.18\.4\.1\/24/);
    assert.match(out, /inet6 fd00:3::1\/64/);
    assert.match(out, /UP/);
    d.removeAddress('198.18.4.1/24');
    assert.doesNotMatch(ns.exec('ip', ['addr', 'show', 'dev', 'tcfg0']), /198\.18\.4\.1/);
  } finally {
    d.close();
  }
});

test('a taken name is refused with NameBusyError and leaks no fd', { skip }, () => {
  const d = TunDevice.open({ name: 'tbusy0', netns: ns.name });
  const before = fdCount();
  try {
    assert.throws(() => TunDevice.open({ name: 'tbusy0', netns: ns.name }), NameBusyError);
    assert.throws(() => TunDevice.open({ name: 'lo', netns: ns.name }), NameBusyError);
    assert.equal(fdCount(), before);
  } finally {
    d.close();
  }
});

test('bad options name the option', { skip }, () => {
  assert.throws(() => TunDevice.open({ name: 'x'.repeat(16) }), (e: unknown) => e instanceof OptionError && /option name/.test(e.message));
  assert.throws(() => TunDevice.open({ queues: 0 }), /option queues/);
  assert.throws(() => TunDevice.open({ mtu: 10 }), /option mtu/);
  assert.throws(() => TunDevice.open({ txQueueLen: -1 }), /option txQueueLen/);
  assert.throws(() => TunDevice.open({ ringReads: 'yes' as unknown as boolean }), /option ringReads/);
  assert.throws(() => TunDevice.open({ addresses: ['198.18.0.1'] }), /option addresses\[0\]/);
  assert.throws(() => TunDevice.open({ netns: 'tio-does-not-exist' }), /option netns/);
});

test('without CAP_NET_ADMIN open fails with ERR_TIO_PERMISSION', { skip }, () => {
  const index = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const script = `import(${JSON.stringify(index)}).then((m) => { try { m.TunDevice.open({ name: 'tperm0' }); console.log('opened'); } catch (e) { console.log(e.code); } })`;
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.stdout.trim(), 'ERR_TIO_PERMISSION', r.stderr);
});

test('200 open/close cycles leave the fd count unchanged', { skip, timeout: 60_000 }, () => {
  // Warm up lazily created fds (the netns switch, libuv internals) first.
  TunDevice.open({ name: 'tcyc0', netns: ns.name, queues: 2 }).close();
  const before = fdCount();
  for (let i = 0; i < 200; i++) {
    const d = TunDevice.open({ name: 'tcyc0', netns: ns.name, queues: 2, addresses: ['198.18.5.1/24'] });
    d.close();
    d.close(); // idempotent
  }
  assert.equal(fdCount(), before);
});

test('a garbage write is refused with BadPacketError and the queue keeps working', { skip, timeout: 20_000 }, async () => {
  const d = TunDevice.open({ name: 'tgarb0', netns: ns.name, addresses: ['198.18.6.1/24'] });
  const q = d.queues[0]!;
  try {
    await assert.rejects(q.write(Buffer.from('definitely not an IP packet')), BadPacketError);
    await assert.rejects(q.write(Buffer.alloc(10, 0x45)), BadPacketError);
    assert.equal(q.stats().txErrors, 2);
    // The kernel answers a well-formed echo request written right after.
    await q.write(icmpEchoV4('198.18.6.2', '198.18.6.1', 0x7e57, 1));
    const deadline = Date.now() + 5000;
    let answered = false;
    while (!answered && Date.now() < deadline) {
      const batch = await Promise.race([q.read(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no reply within 5 s')), 5000))]);
      answered = batch.some((p) => isEchoReplyV4(p.buf, p.off, p.len, 0x7e57, 1));
    }
    assert.ok(answered, 'echo reply read back');
  } finally {
    d.close();
  }
});

test('the GRO write probe passes on this kernel; gro: false or no TSO turns GRO writes off', { skip }, () => {
  const d = TunDevice.open({ name: 'tgro0', netns: ns.name });
  const off = TunDevice.open({ name: 'tgro1', netns: ns.name, gro: false });
  const plain = TunDevice.open({ name: 'tgro2', netns: ns.name, offload: 'off' });
  try {
    assert.equal(d.groWrites, true, `probe refused with errno ${d.groProbeErrno}`);
    assert.equal(off.groWrites, false);
    assert.equal(plain.groWrites, false);
  } finally {
    d.close();
    off.close();
    plain.close();
  }
});

test('a device opened down probes GRO writes when brought up', { skip }, () => {
  const d = TunDevice.open({ name: 'tgro3', netns: ns.name, up: false });
  try {
    d.up();
    assert.equal(d.groWrites, true);
    assert.equal(d.groProbeErrno, 0);
  } finally {
    d.close();
  }
});

test('detach() hands ringReads on: a queue attached elsewhere reads as its device was opened to', { skip }, () => {
  for (const ringReads of [false, true]) {
    const d = TunDevice.open({ name: 'tdring0', up: false, ringReads });
    try {
      const h = d.queues[0]!.detach();
      assert.equal(h.ringReads, ringReads);
      Queue.attach(h).close();
    } finally {
      d.close();
    }
  }
});
