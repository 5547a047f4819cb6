// renderPrometheus's per-tunnel series: labelled by overlay address and certificate name
// (escaped as the text format asks), at most MAX_TUNNEL_SERIES tunnels, the rest counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TUNNEL_SERIES, renderPrometheus } from '../../../src/tunnel/metrics/prometheus.js';
import { NODE_DROP_REASONS, NodeStats } from '../../../src/tunnel/node/stats.js';
import { nodeCounters, type NodeStatus, type TunnelStatus } from '../../../src/tunnel/node/status.js';

function tunnel(i: number, peer: string): TunnelStatus {
  return {
    peer, overlayAddress: `198.19.${i >> 8}.${i & 255}`, remote: '198.18.0.2:4242', localIndex: i, remoteIndex: i, initiator: true,
    proven: true, fingerprint: '00', sendCounter: 3, receiveCounter: 3, lastInboundAt: 0, lastOutboundAt: 0,
    packetsIn: i, bytesIn: 100 * i, packetsOut: 2 * i, bytesOut: 200 * i,
  };
}

// The fields renderPrometheus reads; the rest of a NodeStatus does not matter here.
function status(tunnels: TunnelStatus[], stats = new NodeStats(), firewallRulesVersion = 0): NodeStatus {
  return {
    routines: 1, firewallRulesVersion, tunnels, counters: nodeCounters(stats), handshakes: { initiated: 0, timedOut: 0 },
    lighthouse: null, lighthouseServer: null, punchy: {}, relay: null, tun: {}, udp: {}, gro: {},
  } as unknown as NodeStatus;
}

test('per-tunnel series carry vpn_ip and an escaped cert_name', () => {
  const text = renderPrometheus(status([tunnel(2, 'b'), tunnel(3, 'we"ird\\name\nx')]), { namespace: 'n', subsystem: '' });
  assert.match(text, /^n_tio_tunnel_bytes_out_total\{vpn_ip="198\.19\.0\.2",cert_name="b"\} 400$/m);
  assert.match(text, /^n_tio_tunnel_packets_in_total\{vpn_ip="198\.19\.0\.3",cert_name="we\\"ird\\\\name\\nx"\} 3$/m);
  assert.equal(text.split('\n').filter((l) => l.startsWith('n_tio_tunnel_')).length, 4 * 2 + 1);
  assert.match(text, /^n_tio_tunnel_series_omitted 0$/m);
  assert.ok(NODE_DROP_REASONS.every((r) => text.includes(`n_tio_drops_total{reason="${r}"} 0`)));
});

test(`no more than ${MAX_TUNNEL_SERIES} tunnels get series; the rest are counted`, () => {
  const many = Array.from({ length: MAX_TUNNEL_SERIES + 7 }, (_, i) => tunnel(i + 1, `h${i}`));
  const text = renderPrometheus(status(many), { namespace: '', subsystem: '' });
  assert.equal(text.split('\n').filter((l) => l.startsWith('tio_tunnel_bytes_in_total{')).length, MAX_TUNNEL_SERIES);
  assert.match(text, /^tio_tunnel_series_omitted 7$/m);
});

test('firewall reloads show as nebula\'s rules version gauge and tio\'s kept / revoked flow counters', () => {
  const stats = new NodeStats();
  stats.firewallFlowsKept = 5;
  stats.firewallFlowsRevoked = 2;
  const text = renderPrometheus(status([], stats, 3), { namespace: 'nebula', subsystem: '' });
  assert.match(text, /^# TYPE nebula_firewall_rules_version gauge$/m);
  assert.match(text, /^nebula_firewall_rules_version 3$/m);
  assert.match(text, /^nebula_tio_firewall_flows_kept_total 5$/m);
  assert.match(text, /^nebula_tio_firewall_flows_revoked_total 2$/m);
});

test('process memory is rendered when given: resident set and the heap figures, as gauges', () => {
  const memory = { rss: 50_000_000, heapTotal: 9_000_000, heapUsed: 7_000_000, external: 3_000_000, arrayBuffers: 1_000_000 };
  const text = renderPrometheus(status([]), { namespace: 'nebula', subsystem: '' }, memory);
  assert.match(text, /^# TYPE nebula_process_resident_memory_bytes gauge$/m);
  assert.match(text, /^nebula_process_resident_memory_bytes 50000000$/m);
  assert.match(text, /^# TYPE nebula_tio_memory_bytes gauge$/m);
  for (const [k, v] of Object.entries(memory).filter(([k]) => k !== 'rss')) assert.match(text, new RegExp(`^nebula_tio_memory_bytes\\{name="${k}"\\} ${v}$`, 'm'));
  assert.doesNotMatch(renderPrometheus(status([]), { namespace: '', subsystem: '' }), /memory/, 'nothing without it');
});
