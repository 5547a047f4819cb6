// Numbers of nebula 1.6.1's firewall (docs/PROTOCOL.md "Firewall rules"; nebula firewall/packet.go, firewall.go).

/** Rule protocol `any`: nebula stores it as IP protocol 0 (firewall/packet.go ProtoAny). */
export const PROTO_ANY = 0;
/** IP protocol number of ICMP (RFC 792). */
export const PROTO_ICMP = 1;
/** IP protocol number of TCP (RFC 793). */
export const PROTO_TCP = 6;
/** IP protocol number of UDP (RFC 768). */
export const PROTO_UDP = 17;

/** Rule port `any` (also written `0`): matches every packet, fragments included (firewall/packet.go PortAny). */
export const PORT_ANY = 0;
/** Rule port `fragment`: matches second and later IPv4 fragments, which carry no ports (firewall/packet.go PortFragment). */
export const PORT_FRAGMENT = -1;
/** Highest port number (RFC 793/768: u16). */
export const PORT_MAX = 65535;

/** Default conntrack lifetime of a TCP flow, 12 minutes (docs/PROTOCOL.md "Config keys and defaults" firewall.conntrack.tcp_timeout). */
export const DEFAULT_TCP_TIMEOUT_MS = 12 * 60_000;
/** Default conntrack lifetime of a UDP flow, 3 minutes (docs/PROTOCOL.md "Config keys and defaults" firewall.conntrack.udp_timeout). */
export const DEFAULT_UDP_TIMEOUT_MS = 3 * 60_000;
/** Default conntrack lifetime of any other flow (ICMP, fragments…), 10 minutes (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_OTHER_TIMEOUT_MS = 10 * 60_000;
/**
 * Flows tracked at most before new ones are refused. tio's own bound (nebula 1.6.1 has none, a TODO in
 * firewall.go) so a peer allowed to open flows cannot grow memory without limit; ~55 MB of tables at the cap
 * (2^21 slots of 26 bytes, load <= 1/2), plus the per-peer counters (8 bytes a slot, sized by distinct peers).
 */
export const DEFAULT_MAX_FLOWS = 1 << 20;
/**
 * Default per-peer share of the flow table: one remote address may hold maxFlows / PEER_SHARE_DIVISOR flows
 * (but at least MIN_FLOWS_PER_PEER). tio's choice: at 16, no single member can take more than 1/16 of the
 * table, so filling it takes 16 colluding addresses, while the default share (65536 flows) is still more
 * than one host's ephemeral port range can use against one local address and port.
 */
export const PEER_SHARE_DIVISOR = 16;
/**
 * Floor of the default per-peer share, so small tables (maxFlows below 16384) still let one busy peer
 * open a useful number of flows; tio's choice (a few hundred concurrent connections is a busy client).
 */
export const MIN_FLOWS_PER_PEER = 1024;
/** Default per-peer share at DEFAULT_MAX_FLOWS: 65536 flows. */
export const DEFAULT_MAX_FLOWS_PER_PEER = DEFAULT_MAX_FLOWS / PEER_SHARE_DIVISOR;
/**
 * Slots the periodic sweep examines per call. At DEFAULT_MAX_FLOWS the table has 2^21 slots, so one
 * round takes 32 calls (32 s at the node's 1 Hz tick), well inside the shortest default timeout (3 min):
 * an idle flow lingers at most that long past its deadline, and lookups and growth remove expired
 * entries on their own. 2^16 slot checks take well under a millisecond, bounding the tick.
 */
export const SWEEP_SLOTS_PER_CALL = 1 << 16;
