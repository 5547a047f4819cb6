// Cert networks: the (ip, mask) u32 pairs, Go's IPNet string form, and netMatch's
// byte-wise mask comparison used for CA constraints.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CertError, certNetwork, formatCertNetwork, networkAllows, networkContainsIp, parseCertNetwork, prefixMask, u32ToIp,
} from '../../../src/tunnel/cert/index.js';

test('parse and format CIDR; non-prefix masks keep a null prefix and print in hex', () => {
  assert.deepEqual(parseCertNetwork('198.19.0.1/16'), { ip: '198.19.0.1', prefix: 16, ipU32: 3323133953, maskU32: 4294901760 });
  assert.equal(formatCertNetwork(parseCertNetwork('0.0.0.0/0')), '0.0.0.0/0');
  assert.equal(formatCertNetwork(parseCertNetwork('255.255.255.255/32')), '255.255.255.255/32');
  const odd = certNetwork(0x0a000001, 0xff00ff00);
  assert.equal(odd.prefix, null);
  assert.equal(formatCertNetwork(odd), '10.0.0.1/ff00ff00');
  for (const bad of ['1.2.3.4', '1.2.3.256/8', '1.2.3.4/33', 'a.b.c.d/8', '1.2.3.4/8 ']) {
    assert.throws(() => parseCertNetwork(bad), (e: unknown) => e instanceof CertError && e.reason === 'bad-argument');
  }
  assert.equal(u32ToIp(0xc0a80001), '192.168.0.1');
  assert.equal(prefixMask(0), 0);
  assert.equal(prefixMask(1), 0x80000000);
  assert.equal(prefixMask(32), 0xffffffff);
});

test('networkContainsIp and networkAllows follow cert.go netMatch', () => {
  const ca = parseCertNetwork('198.19.0.0/24');
  assert.ok(networkContainsIp(ca, parseCertNetwork('198.19.0.77/32').ipU32));
  assert.ok(!networkContainsIp(ca, parseCertNetwork('198.19.1.1/32').ipU32));
  assert.ok(networkAllows(ca, parseCertNetwork('198.19.0.5/24')), 'equal mask');
  assert.ok(networkAllows(ca, parseCertNetwork('198.19.0.5/28')), 'longer mask');
  assert.ok(!networkAllows(ca, parseCertNetwork('198.19.0.5/16')), 'shorter mask');
  assert.ok(!networkAllows(ca, parseCertNetwork('198.19.1.5/24')), 'outside');
  // maskContains compares bytes: 255.0.255.0 is not above 255.255.0.0 in every byte.
  assert.ok(!networkAllows(certNetwork(0x0a000000, 0xff00ff00), certNetwork(0x0a000000, 0xffff0000)));
  assert.ok(networkAllows(certNetwork(0x0a000000, 0xff000000), certNetwork(0x0a000000, 0xff00ff00)));
});
