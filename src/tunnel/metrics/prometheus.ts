/**
 * A node's status in the Prometheus text format (version 0.0.4), for `stats.type: prometheus`.
 * Rendered from OverlayNode.status() when scraped: nothing runs per packet for it. Counters
 * nebula 1.6.1 also has keep nebula's names (its dotted go-metrics names with "_" for ".",
 * docs/PROTOCOL.md "Metrics"); the rest are tio's, under "tio_", one family per group with
 * the field in a `name` label.
 */
import type { NodeStatus, TunnelStatus } from '../node/status.js';

/**
 * Most tunnels given per-tunnel series in one scrape (4 series each). Prometheus' guidance is to
 * keep a target's series in the low thousands; tunnels beyond this are left out, and
 * tio_tunnel_series_omitted says how many.
 */
export const MAX_TUNNEL_SERIES = 1024;

/** A label value in the exposition format: backslash, double quote and newline escaped. */
function labelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prefixes of every metric name (stats.namespace, stats.subsystem), joined as Prometheus does. */
export interface MetricNames {
  readonly namespace: string;
  readonly subsystem: string;
}

/** The process's memory in bytes, as process.memoryUsage() reports it. */
export type ProcessMemory = Readonly<Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers'>>;

/**
 * The exposition text of `s`, and of `memory` when given (`tio up` passes process.memoryUsage()
 * taken at the scrape; nebula's endpoint carries Go's runtime memory statistics the same way).
 */
export function renderPrometheus(s: NodeStatus, names: MetricNames, memory?: ProcessMemory): string {
  const prefix = [names.namespace, names.subsystem].filter((p) => p !== '').join('_');
  const full = (n: string): string => (prefix === '' ? n : `${prefix}_${n}`);
  const out: string[] = [];
  const one = (name: string, type: 'counter' | 'gauge', help: string, value: number): void => {
    const n = full(name);
    out.push(`# HELP ${n} ${help}`, `# TYPE ${n} ${type}`, `${n} ${value}`);
  };
  const family = (name: string, help: string, values: object | null): void => {
    if (values === null) return;
    const n = full(name);
    out.push(`# HELP ${n} ${help}`, `# TYPE ${n} untyped`);
    for (const [k, v] of Object.entries(values)) if (typeof v === 'number') out.push(`${n}{name="${k}"} ${v}`);
  };
  const c = s.counters;
  const d = c.drops;
  // nebula 1.6.1's names (firewall.go, handshake_manager.go, outside.go, main.go).
  one('handshake_manager_initiated', 'counter', 'Handshakes this node started.', s.handshakes.initiated);
  one('handshake_manager_timed_out', 'counter', 'Handshakes that got no answer in time.', s.handshakes.timedOut);
  one('firewall_incoming_dropped_no_rule', 'counter', 'Inbound packets no firewall rule allowed.', d['outside-firewall']);
  one('firewall_outgoing_dropped_no_rule', 'counter', 'Outbound packets no firewall rule allowed.', d['inside-firewall']);
  one('firewall_incoming_dropped_remote_ip', 'counter', 'Inbound packets from an address the peer certificate does not hold.', d['outside-remote-ip']);
  one('firewall_outgoing_dropped_remote_ip', 'counter', 'Outbound packets to an address the peer certificate does not hold.', d['inside-remote-ip']);
  one('messages_rx_recv_error', 'counter', 'recv_error messages received.', c.recvErrorsReceived);
  one('messages_tx_recv_error', 'counter', 'recv_error messages sent.', c.recvErrorsSent);
  one('firewall_rules_version', 'gauge', 'Firewall rules version (+1 per reload that changed the rules).', s.firewallRulesVersion);
  one('routines', 'gauge', 'TUN queue / UDP socket pairs.', s.routines);
  // tio's own.
  one('tio_tunnels', 'gauge', 'Established tunnels.', s.tunnels.length);
  one('tio_inside_packets_total', 'counter', 'Packets read from the TUN (a superpacket counts once).', c.insidePackets);
  one('tio_datagrams_out_total', 'counter', 'Datagrams encrypted and sent.', c.datagramsOut);
  one('tio_datagrams_in_total', 'counter', 'Datagrams received.', c.datagramsIn);
  one('tio_delivered_total', 'counter', 'Inner packets decrypted and written to the TUN.', c.delivered);
  one('tio_relayed_out_total', 'counter', 'Packets relayed between two other hosts.', c.relayedOut);
  const n = full('tio_drops_total');
  out.push(`# HELP ${n} Packets dropped, by reason.`, `# TYPE ${n} counter`);
  for (const [reason, v] of Object.entries(d)) out.push(`${n}{reason="${reason}"} ${v}`);
  one('tio_bytes_in_total', 'counter', 'Bytes of inner packets in authenticated data messages.', c.bytesIn);
  one('tio_bytes_out_total', 'counter', 'Bytes of inner packets in data messages sealed to send.', c.bytesOut);
  one('tio_aead_seal_calls_total', 'counter', 'Native AEAD seal calls (one per tunnel run of a flush).', c.aeadSealCalls);
  one('tio_aead_sealed_total', 'counter', 'Data messages sealed by those calls.', c.aeadSealed);
  one('tio_aead_open_calls_total', 'counter', 'Native AEAD open calls (one per tunnel run of a receive batch).', c.aeadOpenCalls);
  one('tio_aead_opened_total', 'counter', 'Messages opened by those calls.', c.aeadOpened);
  one('tio_firewall_flows_kept_total', 'counter', 'Tracked flows a reloaded firewall still allowed.', c.firewallFlowsKept);
  one('tio_firewall_flows_revoked_total', 'counter', 'Tracked flows a reloaded firewall no longer allowed (forgotten).', c.firewallFlowsRevoked);
  // Per tunnel: labels come from the peer's CA-signed certificate, one tunnel per overlay address,
  // and a closed tunnel's series go with it; at most MAX_TUNNEL_SERIES tunnels.
  const shown = s.tunnels.slice(0, MAX_TUNNEL_SERIES);
  const perTunnel = (name: string, help: string, pick: (t: TunnelStatus) => number): void => {
    const m = full(name);
    out.push(`# HELP ${m} ${help}`, `# TYPE ${m} counter`);
    for (const t of shown) out.push(`${m}{vpn_ip="${t.overlayAddress}",cert_name="${labelValue(t.peer)}"} ${pick(t)}`);
  };
  perTunnel('tio_tunnel_packets_in_total', 'Data messages authenticated on the tunnel.', (t) => t.packetsIn);
  perTunnel('tio_tunnel_bytes_in_total', 'Bytes of the inner packets those carried.', (t) => t.bytesIn);
  perTunnel('tio_tunnel_packets_out_total', 'Data messages sealed and sent on the tunnel.', (t) => t.packetsOut);
  perTunnel('tio_tunnel_bytes_out_total', 'Bytes of the inner packets those carried.', (t) => t.bytesOut);
  one('tio_tunnel_series_omitted', 'gauge', `Tunnels left out of the per-tunnel series (more than ${MAX_TUNNEL_SERIES}).`, s.tunnels.length - shown.length);
  family('tio_handshakes', 'Handshake outcomes.', s.handshakes);
  family('tio_tun', 'TUN device counters, summed over its queues.', s.tun);
  family('tio_udp', 'UDP counters, summed over the node\'s sockets.', s.udp);
  family('tio_gro', 'Coalescer (GRO) counters, summed over the threads\' data planes.', s.gro);
  family('tio_lighthouse_client', 'Lighthouse client counters.', s.lighthouse);
  family('tio_lighthouse_server', 'Lighthouse server counters.', s.lighthouseServer);
  family('tio_punchy', 'Hole punching counters.', s.punchy);
  family('tio_relay', 'Relay counters.', s.relay);
  if (memory !== undefined) {
    one('process_resident_memory_bytes', 'gauge', 'Resident memory of the process, bytes.', memory.rss);
    const m = full('tio_memory_bytes');
    out.push(`# HELP ${m} The JavaScript heap (total, used), memory held outside it, and ArrayBuffers among that, bytes.`, `# TYPE ${m} gauge`);
    for (const k of ['heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const) out.push(`${m}{name="${k}"} ${memory[k]}`);
  }
  return `${out.join('\n')}\n`;
}
