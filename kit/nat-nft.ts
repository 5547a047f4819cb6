// Loading and reading the NAT rules of a kit/nat-rig.ts router; the ruleset itself is
// src/cli/demo/nat-rules.ts (shared with `tio demo --mesh`).
import type { Netns } from './netns.js';
import { NAT_TABLE, natRuleset, UNSOLICITED, type NatMode } from '../src/cli/demo/nat-rules.js';

export { NAT_TABLE, natRuleset, type NatMode };

/** Loads the ruleset for mode into router (replacing an earlier one). */
export function applyNat(router: Netns, mode: NatMode, pubIf: string): void {
  // nft parses its arguments as one script, so no temp file is needed.
  router.exec('nft', [natRuleset(mode, pubIf)]);
}

/** Shape of the parts of `nft -j list table` read here. */
interface NftJson {
  nftables: { rule?: { comment?: string; expr: { counter?: { packets: number; bytes: number } }[] } }[];
}

/** Packets the router's input hook dropped as unsolicited (the counter of that rule). */
export function unsolicitedDrops(router: Netns): number {
  const j = JSON.parse(router.exec('nft', ['-j', 'list', 'table', 'ip', NAT_TABLE])) as NftJson;
  for (const item of j.nftables) {
    if (item.rule?.comment !== UNSOLICITED) continue;
    for (const e of item.rule.expr) if (e.counter) return e.counter.packets;
  }
  throw new Error(`no "${UNSOLICITED}" counter in ${router.name}'s table ${NAT_TABLE}`);
}
