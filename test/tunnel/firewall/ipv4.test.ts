import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatIpv4,
  formatIpv4Net,
  maskPrefixLen,
  netContains,
  netWithin,
  parseIpv4,
  parseIpv4Cidr,
  prefixMask,
} from '../../../src/tunnel/firewall/index.js';

test('parseIpv4 takes dotted quads only (the cert encoding: 198.19.0.1 -> 3323133953)', () => {
  assert.equal(parseIpv4('198.19.0.1'), 3323133953);
  assert.equal(parseIpv4('0.0.0.0'), 0);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1.2.3.4/8', 'a.b.c.d', '', '::1']) {
    assert.equal(parseIpv4(bad), null, bad);
  }
});

test('formatIpv4 and formatIpv4Net invert the parsers', () => {
  assert.equal(formatIpv4(3323133953), '198.19.0.1');
  assert.equal(formatIpv4Net({ addr: parseIpv4('10.1.2.3')!, mask: prefixMask(8) }), '10.0.0.0/8');
  assert.equal(maskPrefixLen(prefixMask(0)), 0);
  assert.equal(maskPrefixLen(prefixMask(32)), 32);
  assert.equal(maskPrefixLen(4294901760), 16);
});

test('parseIpv4Cidr masks the address like Go net.ParseCIDR and refuses bad prefixes', () => {
  assert.deepEqual(parseIpv4Cidr('198.19.7.7/16'), { addr: parseIpv4('198.19.0.0'), mask: 0xffff0000 });
  assert.deepEqual(parseIpv4Cidr('0.0.0.0/0'), { addr: 0, mask: 0 });
  assert.deepEqual(parseIpv4Cidr('1.2.3.4/32'), { addr: parseIpv4('1.2.3.4'), mask: 0xffffffff });
  for (const bad of ['1.2.3.4', '1.2.3.4/33', '1.2.3.4/', '1.2.3.4/-1', '1.2.3/8', 'fd00::/8']) assert.equal(parseIpv4Cidr(bad), null, bad);
});

test('netContains and netWithin', () => {
  const n16 = parseIpv4Cidr('198.19.0.0/16')!;
  assert.equal(netContains(n16, parseIpv4('198.19.255.1')!), true);
  assert.equal(netContains(n16, parseIpv4('198.20.0.1')!), false);
  assert.equal(netContains({ addr: 0, mask: 0 }, 0xffffffff), true);
  assert.equal(netWithin(n16, parseIpv4Cidr('198.19.3.0/24')!), true);
  assert.equal(netWithin(n16, parseIpv4Cidr('198.0.0.0/8')!), false);
  assert.equal(netWithin(n16, parseIpv4Cidr('198.18.0.0/24')!), false);
  assert.equal(netWithin(n16, n16), true);
});
