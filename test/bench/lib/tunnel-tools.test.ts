// The versions a bench report names: kernel and runtime always, and only the
// compared tools the run itself used.
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { test } from 'node:test';
import { CC, IPERF3, NEBULA, NEBULA_CERT, WIREGUARD_GO, runVersions, versionsLine } from '../../../bench/lib/tunnel-tools.js';

test('runVersions names kernel, Node and OpenSSL, then only the compared tools among those the run used', () => {
  const none = runVersions([CC, NEBULA_CERT]);
  assert.deepEqual(Object.keys(none), ['kernel', 'node', 'openssl']);
  assert.equal(none.kernel, release());
  assert.equal(none.node, process.versions.node);
  const all = runVersions([WIREGUARD_GO, NEBULA, IPERF3, NEBULA_CERT]);
  assert.deepEqual(Object.keys(all), ['kernel', 'node', 'openssl', 'iperf3', 'nebula', 'wireguard-go']);
  for (const k of ['iperf3', 'nebula', 'wireguard-go']) assert.ok(all[k]!.length > 0, `${k}: a version line or "?"`);
});

test('versionsLine joins the names and versions in order', () => {
  assert.equal(versionsLine({ kernel: '6.18', node: '24.5.0', nebula: 'Version: 1.6.1' }), 'kernel 6.18; node 24.5.0; nebula Version: 1.6.1');
});
