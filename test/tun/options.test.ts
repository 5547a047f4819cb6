// Pure option logic of the TUN layer: offload negotiation order, capability
// mapping, CIDR parsing and the write strategy chosen per kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OptionError } from '../../src/index.js';
import {
  MASK_TSO, MASK_TSO_USO, MASK_USO, capabilitiesOf, negotiateOffload, offloadCandidates, parseCidr, resolveWriteStrategy,
} from '../../src/tun/index.js';

test('auto negotiation tries TSO+USO, then TSO alone', () => {
  const tried: number[] = [];
  assert.equal(negotiateOffload('auto', (m) => (tried.push(m), m === MASK_TSO ? 0 : -22)), MASK_TSO);
  assert.deepEqual(tried, [MASK_TSO_USO, MASK_TSO]);
});

test('negotiation reports -1 when the kernel refuses every mask', () => {
  assert.equal(negotiateOffload('auto', () => -22), -1);
  assert.equal(negotiateOffload({ tso: true, uso: true }, () => -22), -1);
});

test("offload 'off' asks for mask 0 and explicit choices ask for exactly one mask", () => {
  assert.deepEqual(offloadCandidates('off'), [0]);
  assert.deepEqual(offloadCandidates({ tso: true }), [MASK_TSO]);
  assert.deepEqual(offloadCandidates({ uso: true }), [MASK_USO]);
  assert.deepEqual(offloadCandidates({}), [0]);
});

test('capabilities follow the accepted mask and need the vnet header', () => {
  assert.deepEqual(capabilitiesOf(MASK_TSO_USO, true), { vnetHdr: true, tso: true, uso: true });
  assert.deepEqual(capabilitiesOf(MASK_TSO, true), { vnetHdr: true, tso: true, uso: false });
  assert.deepEqual(capabilitiesOf(MASK_TSO_USO, false), { vnetHdr: false, tso: false, uso: false });
});

test('CIDR parsing gives network-order bytes for IPv4, IPv6, "::" and embedded IPv4', () => {
  assert.deepEqual([...parseCidr('198.18.0.1/24').bytes], [198, 18, 0, 1]);
  assert.deepEqual([...parseCidr('fd00::1/64').bytes], [0xfd, 0, ...new Array(13).fill(0), 1]);
  assert.deepEqual([...parseCidr('::ffff:198.18.0.1/128').bytes], [...new Array(10).fill(0), 0xff, 0xff, 198, 18, 0, 1]);
  assert.deepEqual([...parseCidr('fd00:1:2:3:4:5:6:7/64').bytes], [0xfd, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7]);
  assert.equal(parseCidr('fd00::/8').prefixLen, 8);
});

test('CIDR parsing names the option on bad input', () => {
  assert.throws(() => parseCidr('198.18.0.1', 'addresses[2]'), (e: unknown) => e instanceof OptionError && /addresses\[2\]/.test(e.message));
  assert.throws(() => parseCidr('198.18.0.1/33'), OptionError);
  assert.throws(() => parseCidr('fd00::1/129'), OptionError);
  assert.throws(() => parseCidr('not-an-ip/24'), OptionError);
});

test('writev is chosen from Linux 5.4 on; older kernels (4.19 writev+GSO bug) get copy', () => {
  assert.equal(resolveWriteStrategy('auto', '6.18.44-x'), 'writev');
  assert.equal(resolveWriteStrategy('auto', '5.4.0'), 'writev');
  assert.equal(resolveWriteStrategy('auto', '4.19.250'), 'copy');
  assert.equal(resolveWriteStrategy('copy', '6.18.0'), 'copy');
  assert.equal(resolveWriteStrategy('writev', '4.19.0'), 'writev');
});
