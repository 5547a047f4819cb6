// The unsafe-route table the data plane's route step asks: longest prefix wins, of two routes to
// one network the last listed, and no route is 0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIpv4, parseIpv4Cidr } from '../../../src/tunnel/firewall/index.js';
import { RouteTable } from '../../../src/tunnel/node/route-table.js';

const ip = (s: string): number => parseIpv4(s)!;
const r = (net: string, via: string) => ({ route: parseIpv4Cidr(net)!, via: ip(via) });

test('the most specific route wins whatever the order they were given in', () => {
  const t = new RouteTable([
    r('198.18.0.0/16', '198.19.0.2'),
    r('198.18.200.128/25', '198.19.0.4'),
    r('198.18.200.0/24', '198.19.0.3'),
    r('198.18.200.7/32', '198.19.0.5'),
  ]);
  assert.equal(t.size, 4);
  assert.equal(t.lookup(ip('198.18.1.1')), ip('198.19.0.2'));
  assert.equal(t.lookup(ip('198.18.200.1')), ip('198.19.0.3'));
  assert.equal(t.lookup(ip('198.18.200.200')), ip('198.19.0.4'));
  assert.equal(t.lookup(ip('198.18.200.7')), ip('198.19.0.5'));
});

test('a destination no route covers gives 0', () => {
  const t = new RouteTable([r('198.18.200.0/24', '198.19.0.3')]);
  assert.equal(t.lookup(ip('198.18.201.1')), 0);
  assert.equal(new RouteTable([]).lookup(ip('198.18.200.1')), 0);
});

test('host bits in a route are ignored and of two routes to one network the last listed wins, as in nebula', () => {
  const t = new RouteTable([r('198.18.200.9/24', '198.19.0.3'), r('198.18.200.0/24', '198.19.0.4')]);
  assert.equal(t.lookup(ip('198.18.200.250')), ip('198.19.0.4'));
});

test('a default route (/0) catches everything the others do not', () => {
  const t = new RouteTable([r('0.0.0.0/0', '198.19.0.9'), r('198.18.200.0/24', '198.19.0.3')]);
  assert.equal(t.lookup(ip('198.18.200.1')), ip('198.19.0.3'));
  assert.equal(t.lookup(ip('198.18.7.1')), ip('198.19.0.9'));
});
