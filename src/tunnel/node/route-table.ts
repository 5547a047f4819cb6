// Which overlay host carries a destination outside the overlay network: the unsafe routes
// (docs/PROTOCOL.md "Unsafe routes"), longest prefix first, as nebula's route tree answers RouteFor.
import type { Ipv4Net } from '../firewall/index.js';

/** One unsafe route as the data plane needs it: plain data, so it crosses to routine threads. */
export interface ViaRoute {
  /** Destination network (outside the overlay network). */
  readonly route: Ipv4Net;
  /** Overlay IP of the host the route goes through; never 0. */
  readonly via: number;
}

function prefixLength(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m = (m << 1) >>> 0) n++;
  return n;
}

/**
 * A small longest-prefix-match table: entries sorted by prefix length, longest first, scanned
 * in order, so the first match is the most specific. Tens of routes at most in practice; a
 * scan over three typed arrays allocates nothing per lookup.
 */
export class RouteTable {
  /** Number of routes. */
  readonly size: number;
  private readonly addrs: Uint32Array;
  private readonly masks: Uint32Array;
  private readonly vias: Uint32Array;

  constructor(routes: readonly ViaRoute[]) {
    // Of two routes to the same network the last listed wins: nebula's tree (cidr/tree4.go AddCIDR)
    // overwrites the value of a network it already holds.
    const sorted = routes.map((r, i) => ({ r, i, len: prefixLength(r.route.mask) }))
      .sort((x, y) => y.len - x.len || y.i - x.i);
    const n = this.size = sorted.length;
    this.addrs = new Uint32Array(n);
    this.masks = new Uint32Array(n);
    this.vias = new Uint32Array(n);
    for (let k = 0; k < n; k++) {
      const { route, via } = sorted[k]!.r;
      this.masks[k] = route.mask >>> 0;
      this.addrs[k] = (route.addr & route.mask) >>> 0;
      this.vias[k] = via >>> 0;
    }
  }

  /** The overlay IP that carries `dst` (a u32), or 0 when no route covers it. */
  lookup(dst: number): number {
    const { addrs, masks } = this;
    for (let k = 0; k < this.size; k++) {
      if (((dst & masks[k]!) >>> 0) === addrs[k]) return this.vias[k]!;
    }
    return 0;
  }
}
