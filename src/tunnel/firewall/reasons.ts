// Why the firewall drops an inner packet. String constants: zero-allocation to return,
// readable in logs and usable as counter keys. Nebula drops all of these silently (debug log only).

/** Inner packet is not IPv4; nebula carries IPv4 only (docs/PROTOCOL.md "Inner packets and address checks"; nebula logs `packet is not ipv4`). */
export const DROP_NOT_IPV4 = 'not-ipv4';
/** Too short for an IPv4 header, or for the ports after it (nebula outside.go newPacket). */
export const DROP_PACKET_SHORT = 'packet-short';
/** IPv4 IHL below 5 words (nebula outside.go newPacket "invalid header length"). */
export const DROP_BAD_IHL = 'bad-ihl';
/** The peer's side address is not its cert IP or inside its cert subnets (docs/PROTOCOL.md "Inner packets and address checks"). */
export const DROP_REMOTE_IP = 'remote-ip-not-in-cert';
/** Our side address is not one of our cert IPs or subnets (docs/PROTOCOL.md "Inner packets and address checks"). */
export const DROP_LOCAL_IP = 'local-ip-not-ours';
/** No rule admits the packet and no tracked flow covers it: default deny (docs/PROTOCOL.md "Firewall rules"). */
export const DROP_NO_RULE = 'no-matching-rule';
/** A rule admits the packet but the flow table is at its bound (tio's DEFAULT_MAX_FLOWS). */
export const DROP_CONNTRACK_FULL = 'conntrack-full';
/** A rule admits the packet but its remote address holds its share of the flow table (tio's maxFlowsPerPeer). */
export const DROP_CONNTRACK_PEER_FULL = 'conntrack-peer-full';

/** Why the inner packet could not be read as an IPv4 flow. */
export type FlowDropReason = typeof DROP_NOT_IPV4 | typeof DROP_PACKET_SHORT | typeof DROP_BAD_IHL;
/** Why the address pre-checks refused a packet. */
export type AddressDropReason = typeof DROP_NOT_IPV4 | typeof DROP_PACKET_SHORT | typeof DROP_REMOTE_IP | typeof DROP_LOCAL_IP;
/** Every drop reason of the firewall layer. */
export type FirewallDropReason =
  | FlowDropReason
  | AddressDropReason
  | typeof DROP_NO_RULE
  | typeof DROP_CONNTRACK_FULL
  | typeof DROP_CONNTRACK_PEER_FULL;
