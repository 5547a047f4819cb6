// The nftables ruleset that turns a router namespace into a NAT box, shared by
// `tio demo --mesh` and the test kit's NAT rig (kit/nat-rig.ts), so the rules exist once.
// Linux conntrack is port-restricted by nature (a reply must match the full 5-tuple),
// so the two modes differ only in how the public port is chosen.

/** How a router maps its node's flows: see {@link natRuleset}. */
export type NatMode = 'cone' | 'symmetric';

/** Name of the nft table each router gets (tables are per namespace). */
export const NAT_TABLE = 'tio_nat';

/** Comment on the input rule that drops unsolicited datagrams, to find its counter. */
export const UNSOLICITED = 'unsolicited';

/**
 * The ruleset for a router whose public interface is pubIf:
 * - cone: plain masquerade, which keeps the source port whenever the tuple is
 *   unique, so one inside port maps to one public port for every destination;
 * - symmetric: `masquerade fully-random`, a fresh random port per destination.
 * Both drop new inbound connections, forwarded or addressed to the router. The
 * input drop runs at filter priority, before conntrack confirms at the end of
 * input: a datagram to the router's own port would otherwise leave an entry
 * that claims that public port, and the node's later outbound mapping would get
 * another port, which breaks hole punching.
 */
export function natRuleset(mode: NatMode, pubIf: string): string {
  const masq = mode === 'symmetric' ? 'masquerade fully-random' : 'masquerade';
  return `table ip ${NAT_TABLE} {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${pubIf}" ${masq}
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "${pubIf}" ct state established,related accept
    iifname "${pubIf}" counter drop comment "${UNSOLICITED}"
  }
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "${pubIf}" ct state established,related accept
    iifname "${pubIf}" counter drop
  }
}
`;
}
