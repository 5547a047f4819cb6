// Numbers of nebula 1.6.1's firewall (NEBULA-PROTOCOL.md §6; nebula firewall/packet.go, firewall.go).

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

/** Default conntrack lifetime of a TCP flow, 12 minutes (NEBULA-PROTOCOL.md §6 firewall.conntrack.tcp_timeout). */
export const DEFAULT_TCP_TIMEOUT_MS = 12 * 60_000;
/** Default conntrack lifetime of a UDP flow, 3 minutes (NEBULA-PROTOCOL.md §6 firewall.conntrack.udp_timeout). */
export const DEFAULT_UDP_TIMEOUT_MS = 3 * 60_000;
/** Default conntrack lifetime of any other flow (ICMP, fragments…), 10 minutes (NEBULA-PROTOCOL.md §6). */
export const DEFAULT_OTHER_TIMEOUT_MS = 10 * 60_000;
/**
 * Flows tracked at most before new ones are refused. tio's own bound (nebula 1.6.1 has none, a TODO in
 * firewall.go) so a peer allowed to open flows cannot grow memory without limit; ~55 MB of tables at the cap
 * (2^21 slots of 26 bytes, load <= 1/2).
 */
export const DEFAULT_MAX_FLOWS = 1 << 20;
