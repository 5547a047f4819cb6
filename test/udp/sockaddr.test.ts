// Sockaddr slots and IP text: round trips, the kernel layout, canonical IPv6 text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Endpoint, EndpointCache, SOCKADDR_SLOT_BYTES, decodeSockaddr, encodeSockaddr, formatIpv6, sockaddrEquals,
  sockaddrFamily, sockaddrHash, sockaddrPort, BadAddressError,
} from '../../src/udp/index.js';
import { ipv6Bytes } from '../../src/packet/ip-text.js';
import { mapV4Slots } from '../../src/udp/sockaddr.js';
import { HOST_LITTLE_ENDIAN } from '../../src/packet/host-endian.js';

test('IPv4 sockaddr: kernel struct sockaddr_in layout and round trip', () => {
  const slot = new Uint8Array(SOCKADDR_SLOT_BYTES).fill(0xee);
  encodeSockaddr(4, Uint8Array.of(198, 18, 0, 7), 4242, 0, slot, 0);
  // sin_family AF_INET = 2 in host order, sin_port and sin_addr in network order, the rest zero.
  assert.deepEqual([...slot.subarray(0, 2)], HOST_LITTLE_ENDIAN ? [2, 0] : [0, 2]);
  assert.deepEqual([...slot.subarray(2, 8)], [0x10, 0x92, 198, 18, 0, 7]);
  assert.ok(slot.subarray(8).every((b) => b === 0));
  assert.equal(sockaddrFamily(slot, 0), 4);
  assert.equal(sockaddrPort(slot, 0), 4242);
  assert.deepEqual(decodeSockaddr(slot, 0), { family: 4, addr: Uint8Array.of(198, 18, 0, 7), port: 4242, scopeId: 0 });
});

test('IPv6 sockaddr: kernel struct sockaddr_in6 layout and round trip with a scope id', () => {
  const table = new Uint8Array(3 * SOCKADDR_SLOT_BYTES);
  const addr = ipv6Bytes('fe80::1:2');
  encodeSockaddr(6, addr, 65535, 7, table, SOCKADDR_SLOT_BYTES);
  const s = table.subarray(SOCKADDR_SLOT_BYTES, 2 * SOCKADDR_SLOT_BYTES);
  assert.deepEqual([...s.subarray(0, 2)], HOST_LITTLE_ENDIAN ? [10, 0] : [0, 10]);
  assert.deepEqual([...s.subarray(2, 4)], [0xff, 0xff]);
  assert.deepEqual([...s.subarray(4, 8)], [0, 0, 0, 0], 'flowinfo');
  assert.deepEqual([...s.subarray(8, 24)], [...addr]);
  assert.deepEqual([...s.subarray(24, 28)], HOST_LITTLE_ENDIAN ? [7, 0, 0, 0] : [0, 0, 0, 7]);
  assert.deepEqual(decodeSockaddr(table, SOCKADDR_SLOT_BYTES), { family: 6, addr, port: 65535, scopeId: 7 });
  assert.equal(decodeSockaddr(table, 0), null, 'an empty slot has no family');
});

test('property: encode/decode round trip for any v4/v6 address, port and scope', () => {
  fc.assert(fc.property(
    fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 65535 }), fc.nat(),
    (v4, bytes, port, scope) => {
      const family = v4 ? 4 : 6;
      const addr = v4 ? bytes.slice(0, 4) : bytes;
      const scopeId = v4 ? 0 : scope;
      const slot = new Uint8Array(SOCKADDR_SLOT_BYTES);
      encodeSockaddr(family, addr, port, scopeId, slot, 0);
      assert.deepEqual(decodeSockaddr(slot, 0), { family, addr, port, scopeId });
      const ep = Endpoint.fromSockaddr(slot, 0);
      assert.ok(ep.matches(slot, 0));
      assert.deepEqual(Endpoint.parse(ep.key), ep);
    },
  ));
});

test('equality and hash ignore IPv6 flowinfo and bytes past the struct, and see every identity byte', () => {
  const a = new Uint8Array(SOCKADDR_SLOT_BYTES);
  const b = new Uint8Array(SOCKADDR_SLOT_BYTES);
  encodeSockaddr(6, ipv6Bytes('fd00::5'), 9, 0, a, 0);
  encodeSockaddr(6, ipv6Bytes('fd00::5'), 9, 0, b, 0);
  b[5] = 0x12; // flowinfo
  b[30] = 0x99; // past sockaddr_in6
  assert.ok(sockaddrEquals(a, 0, b, 0));
  assert.equal(sockaddrHash(a, 0), sockaddrHash(b, 0));
  for (const i of [2, 3, 8, 23, 24, 27]) {
    const c = b.slice();
    c[i] ^= 1;
    assert.equal(sockaddrEquals(a, 0, c, 0), false, `byte ${i}`);
  }
  const v4a = new Uint8Array(SOCKADDR_SLOT_BYTES);
  const v4b = new Uint8Array(SOCKADDR_SLOT_BYTES);
  encodeSockaddr(4, Uint8Array.of(198, 18, 0, 1), 1, 0, v4a, 0);
  encodeSockaddr(4, Uint8Array.of(198, 18, 0, 1), 1, 0, v4b, 0);
  v4b[12] = 1; // sin_zero is not identity
  assert.ok(sockaddrEquals(v4a, 0, v4b, 0));
  assert.equal(sockaddrHash(v4a, 0), sockaddrHash(v4b, 0));
});

test('formatIpv6 is RFC 5952 text: agrees with the WHATWG URL serializer and round-trips', () => {
  for (const [text, want] of [
    ['0:0:0:0:0:0:0:0', '::'], ['0:0:0:0:0:0:0:1', '::1'], ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'], ['fd00:50::2', 'fd00:50::2'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['::ffff:198.18.0.1', '::ffff:198.18.0.1'], ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
  ] as const) {
    assert.equal(formatIpv6(ipv6Bytes(text), 0), want, text);
  }
  fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (words) => {
    const bytes = new Uint8Array(16);
    words.forEach((w, i) => {
      bytes[2 * i] = w >> 8;
      bytes[2 * i + 1] = w & 0xff;
    });
    const text = formatIpv6(bytes, 0);
    assert.deepEqual(ipv6Bytes(text), bytes);
    // WHATWG prints IPv4-mapped addresses in hex; everything else must match exactly.
    if (!/^::ffff:\d+\.\d+\.\d+\.\d+$/.test(text)) assert.equal(text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
  }), { numRuns: 2000 });
});

test('Endpoint: canonical key, parse, equality, bad input refused with BadAddressError', () => {
  const e = Endpoint.of('FD00:0050:0:0::0002', 4242);
  assert.equal(e.ip, 'fd00:50::2');
  assert.equal(e.key, '[fd00:50::2]:4242');
  assert.ok(e.equals(Endpoint.parse('[fd00:50::2]:4242')));
  assert.equal(Endpoint.parse('198.18.0.1:53').key, '198.18.0.1:53');
  assert.equal(Endpoint.of('fe80::1%3', 1).key, '[fe80::1%3]:1');
  assert.equal(Endpoint.of('fe80::1%3', 1).scopeId, 3);
  assert.deepEqual([...Endpoint.of('198.18.0.9', 1).addressBytes], [198, 18, 0, 9]);
  assert.equal(Endpoint.of('198.18.0.1', 1).equals(Endpoint.of('198.18.0.1', 2)), false);
  for (const bad of ['example.com:1', '198.18.0.1', '198.18.0.1:70000', '[fd00::1]', '1.2.3.4:-1', 'fe80::1%eth0']) {
    assert.throws(() => (bad.includes('%') ? Endpoint.of(bad, 1) : Endpoint.parse(bad)), BadAddressError, bad);
  }
  assert.throws(() => Endpoint.of('198.18.0.1', 1, 5), BadAddressError, 'no scope on IPv4');
});

test('EndpointCache returns the same object for the same peer and stays bounded', () => {
  const cache = new EndpointCache(4);
  const table = new Uint8Array(2 * SOCKADDR_SLOT_BYTES);
  encodeSockaddr(4, Uint8Array.of(198, 18, 0, 1), 1000, 0, table, 0);
  encodeSockaddr(4, Uint8Array.of(198, 18, 0, 1), 1000, 0, table, SOCKADDR_SLOT_BYTES);
  const first = cache.lookup(table, 0);
  assert.equal(cache.lookup(table, SOCKADDR_SLOT_BYTES), first);
  for (let p = 1; p <= 10; p++) {
    encodeSockaddr(4, Uint8Array.of(198, 18, 0, 2), p, 0, table, 0);
    assert.equal(cache.lookup(table, 0).port, p);
    assert.ok(cache.count <= 4);
  }
});

test('IPv4-mapped addresses: a mapped slot decodes to the IPv4 Endpoint, which matches both forms; mapV4Slots rewrites only IPv4 slots', () => {
  const v4 = Endpoint.of('198.18.7.9', 4242);
  const mapped = Endpoint.fromSockaddr(v4.mappedSockaddr!, 0);
  assert.equal(mapped.family, 4, 'a v4-mapped sockaddr is an IPv4 peer');
  assert.equal(mapped.key, v4.key);
  assert.ok(v4.matches(v4.mappedSockaddr!, 0), 'the IPv4 endpoint matches its mapped slot');
  assert.ok(v4.matches(v4.sockaddr, 0));
  assert.equal(v4.sockaddrFor(4, false), v4.sockaddr);
  assert.equal(v4.sockaddrFor(6, true), v4.mappedSockaddr);
  assert.equal(v4.sockaddrFor(6, false), null, 'an IPv6-only socket cannot reach it');
  const v6 = Endpoint.of('fd00::7', 53);
  assert.equal(v6.mappedSockaddr, null);
  assert.equal(v6.sockaddrFor(4, false), null);
  const cache = new EndpointCache();
  assert.equal(cache.lookup(v4.mappedSockaddr!, 0), cache.lookup(v4.mappedSockaddr!, 0), 'a mapped sender is cached like any other');
  const table = new Uint8Array(3 * SOCKADDR_SLOT_BYTES);
  table.set(v4.sockaddr, 0);
  table.set(v6.sockaddr, SOCKADDR_SLOT_BYTES);
  table.set(Endpoint.of('198.18.0.1', 1).sockaddr, 2 * SOCKADDR_SLOT_BYTES);
  mapV4Slots(table, 2);
  assert.deepEqual(table.subarray(0, SOCKADDR_SLOT_BYTES), v4.mappedSockaddr);
  assert.deepEqual(table.subarray(SOCKADDR_SLOT_BYTES, 2 * SOCKADDR_SLOT_BYTES), v6.sockaddr, 'IPv6 slots stay');
  assert.deepEqual(table.subarray(2 * SOCKADDR_SLOT_BYTES), Endpoint.of('198.18.0.1', 1).sockaddr, 'slots past n stay');
});
