/**
 * A node's status in the Prometheus text format (version 0.0.4), for `stats.type: prometheus`.
 * Rendered from OverlayNode.status() when scraped: nothing runs per packet for it. Counters
 * nebula 1.6.1 also has keep nebula's names (its dotted go-metrics names with "_" for ".",
 * docs/PROTOCOL.md "Metrics"); the rest are tio's, under "tio_", one family per group with
 * the field in a `name` label.
 */
import type { NodeStatus } from '../node/status.js';

/** Prefixes of every metric name (stats.namespace, stats.subsystem), joined as Prometheus does. */
export interface MetricNames {
  readonly namespace: string;
  readonly subsystem: string;
}

/** The exposition text of `s`. */
export function renderPrometheus(s: NodeStatus, names: MetricNames): string {
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
  family('tio_handshakes', 'Handshake outcomes.', s.handshakes);
  family('tio_tun', 'TUN device counters, summed over its queues.', s.tun);
  family('tio_udp', 'UDP counters of the main thread\'s socket.', s.udp);
  family('tio_lighthouse_client', 'Lighthouse client counters.', s.lighthouse);
  family('tio_lighthouse_server', 'Lighthouse server counters.', s.lighthouseServer);
  family('tio_punchy', 'Hole punching counters.', s.punchy);
  family('tio_relay', 'Relay counters.', s.relay);
  return `${out.join('\n')}\n`;
}
