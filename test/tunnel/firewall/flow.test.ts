import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DROP_BAD_IHL,
  DROP_NOT_IPV4,
  DROP_PACKET_SHORT,
  newFlow,
  parseFlow,
} from '../../../src/tunnel/firewall/index.js';
import { ip, packet } from './packets.js';

test('parseFlow orients addresses and ports from this node', () => {
  const p = packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 6, sport: 40000, dport: 443 });
  const f = newFlow();
  assert.equal(parseFlow(p, 0, p.length, 'inbound', f), null);
  assert.deepEqual(f, { localIp: ip('198.19.0.2'), remoteIp: ip('198.19.0.1'), localPort: 443, remotePort: 40000, proto: 6, fragment: false });
  assert.equal(parseFlow(p, 0, p.length, 'outbound', f), null);
  assert.deepEqual(f, { localIp: ip('198.19.0.1'), remoteIp: ip('198.19.0.2'), localPort: 40000, remotePort: 443, proto: 6, fragment: false });
});

test('ICMP and later fragments have port 0; a first fragment keeps its ports', () => {
  const f = newFlow();
  const icmp = packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 1, sport: 0x0800, dport: 0x1234 });
  parseFlow(icmp, 0, icmp.length, 'inbound', f);
  assert.equal(f.localPort + f.remotePort, 0);
  const later = packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 17, sport: 1, dport: 2, fragOffset: 185 });
  parseFlow(later, 0, later.length, 'inbound', f);
  assert.equal(f.fragment, true);
  assert.equal(f.localPort + f.remotePort, 0);
  const first = packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 17, sport: 1, dport: 2, moreFragments: true });
  parseFlow(first, 0, first.length, 'inbound', f);
  assert.equal(f.fragment, false);
  assert.equal(f.localPort, 2);
});

test('options shift the ports; other protocols read their first 4 bytes as ports (nebula newPacket)', () => {
  const f = newFlow();
  const p = packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6, ihl: 6, sport: 7, dport: 8 });
  assert.equal(parseFlow(p, 0, p.length, 'outbound', f), null);
  assert.equal(f.remotePort, 8);
  const gre = packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 47, sport: 9, dport: 10 });
  assert.equal(parseFlow(gre, 0, gre.length, 'outbound', f), null);
  assert.equal(f.remotePort, 10);
});

test('bad packets get reasons, never exceptions', () => {
  const f = newFlow();
  const v6 = new Uint8Array(60);
  v6[0] = 0x60;
  assert.equal(parseFlow(v6, 0, 60, 'inbound', f), DROP_NOT_IPV4);
  assert.equal(parseFlow(new Uint8Array(19), 0, 19, 'inbound', f), DROP_PACKET_SHORT);
  const p = packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 6, payload: 3 });
  assert.equal(parseFlow(p, 0, p.length, 'inbound', f), DROP_PACKET_SHORT, 'TCP without room for ports');
  const icmp = packet({ src: '1.1.1.1', dst: '2.2.2.2', proto: 1, payload: 0 });
  assert.equal(parseFlow(icmp, 0, icmp.length, 'inbound', f), null, 'ICMP needs no ports');
  const ihl4 = packet({ src: '1.1.1.1', dst: '2.2.2.2', ihl: 4 });
  assert.equal(parseFlow(ihl4, 0, ihl4.length, 'inbound', f), DROP_BAD_IHL);
  const ihl15 = packet({ src: '1.1.1.1', dst: '2.2.2.2', payload: 4 });
  ihl15[0] = 0x4f;
  assert.equal(parseFlow(ihl15, 0, ihl15.length, 'inbound', f), DROP_PACKET_SHORT, 'IHL beyond the packet');
  assert.equal(parseFlow(p, 10, p.length, 'inbound', f), DROP_PACKET_SHORT, 'len past the buffer end');
});

test('parseFlow works at an offset', () => {
  const p = packet({ src: '198.19.0.1', dst: '198.19.0.2', proto: 17, sport: 5, dport: 6 });
  const buf = new Uint8Array(p.length + 10);
  buf.set(p, 10);
  const f = newFlow();
  assert.equal(parseFlow(buf, 10, p.length, 'inbound', f), null);
  assert.equal(f.localPort, 6);
});
