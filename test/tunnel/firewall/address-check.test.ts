import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DROP_LOCAL_IP,
  DROP_NOT_IPV4,
  DROP_PACKET_SHORT,
  DROP_REMOTE_IP,
  checkAddresses,
  parseIpv4Cidr,
} from '../../../src/tunnel/firewall/index.js';
import { LOCAL, ip, packet, peer } from './packets.js';

const pkt = (src: string, dst: string): Uint8Array => packet({ src, dst, proto: 17, sport: 1, dport: 2 });

test('inbound: source must be the peer cert IP, destination one of ours (docs/PROTOCOL.md "Inner packets and address checks")', () => {
  const p = peer();
  const ok = pkt('198.19.0.1', '198.19.0.2');
  assert.equal(checkAddresses(ok, 0, ok.length, 'inbound', p, LOCAL), null);
  const spoofed = pkt('198.19.0.9', '198.19.0.2');
  assert.equal(checkAddresses(spoofed, 0, spoofed.length, 'inbound', p, LOCAL), DROP_REMOTE_IP);
  const notOurs = pkt('198.19.0.1', '198.19.0.3');
  assert.equal(checkAddresses(notOurs, 0, notOurs.length, 'inbound', p, LOCAL), DROP_LOCAL_IP);
});

test('the peer cert subnets (unsafe routes) and our subnets count; cert IPs match as /32', () => {
  const p = peer({ ips: [ip('198.19.0.1')], subnets: [parseIpv4Cidr('10.5.0.0/16')!] });
  const local = { ips: [ip('198.19.0.2')], subnets: [parseIpv4Cidr('10.6.0.0/24')!] };
  const viaSubnet = pkt('10.5.3.4', '10.6.0.9');
  assert.equal(checkAddresses(viaSubnet, 0, viaSubnet.length, 'inbound', p, local), null);
  const neighbour = pkt('198.19.0.5', '198.19.0.2');
  assert.equal(checkAddresses(neighbour, 0, neighbour.length, 'inbound', p, local), DROP_REMOTE_IP);
});

test('outbound: destination must be the peer, source ours', () => {
  const p = peer();
  const ok = pkt('198.19.0.2', '198.19.0.1');
  assert.equal(checkAddresses(ok, 0, ok.length, 'outbound', p, LOCAL), null);
  const wrongPeer = pkt('198.19.0.2', '198.19.0.7');
  assert.equal(checkAddresses(wrongPeer, 0, wrongPeer.length, 'outbound', p, LOCAL), DROP_REMOTE_IP);
  const foreignSrc = pkt('10.0.0.1', '198.19.0.1');
  assert.equal(checkAddresses(foreignSrc, 0, foreignSrc.length, 'outbound', p, LOCAL), DROP_LOCAL_IP);
});

test('non-IPv4 and short packets are refused with a reason', () => {
  const v6 = new Uint8Array(40);
  v6[0] = 0x60;
  assert.equal(checkAddresses(v6, 0, 40, 'inbound', peer(), LOCAL), DROP_NOT_IPV4);
  assert.equal(checkAddresses(new Uint8Array(10), 0, 10, 'inbound', peer(), LOCAL), DROP_PACKET_SHORT);
});
