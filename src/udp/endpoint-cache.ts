/** Interning of received peer addresses: a known sender costs a hash and a byte compare, never an allocation. */
import { Endpoint } from './endpoint.js';
import { sockaddrHash } from './sockaddr.js';

/** Default number of distinct peers remembered before the cache starts over. */
export const DEFAULT_ENDPOINT_CACHE_SIZE = 4096;

/**
 * Maps sockaddr slots to Endpoint objects. Bounded: spoofed source addresses
 * cannot grow it without limit; when full it is cleared (an evicted peer just
 * gets a fresh, equal Endpoint next time).
 */
export class EndpointCache {
  private readonly buckets = new Map<number, Endpoint | Endpoint[]>();
  private size = 0;

  constructor(private readonly limit = DEFAULT_ENDPOINT_CACHE_SIZE) {}

  /** The Endpoint for the slot at table[off]; the same object for the same peer while it stays cached. */
  lookup(table: Uint8Array, off: number): Endpoint {
    const h = sockaddrHash(table, off);
    const b = this.buckets.get(h);
    if (b !== undefined) {
      if (b instanceof Endpoint) {
        if (b.matches(table, off)) return b;
      } else {
        for (let i = 0; i < b.length; i++) if (b[i]!.matches(table, off)) return b[i]!;
      }
    }
    const ep = Endpoint.fromSockaddr(table, off);
    if (this.size >= this.limit) this.clear();
    const cur = this.buckets.get(h);
    if (cur === undefined) this.buckets.set(h, ep);
    else if (cur instanceof Endpoint) this.buckets.set(h, [cur, ep]);
    else cur.push(ep);
    this.size++;
    return ep;
  }

  /** Number of cached endpoints. */
  get count(): number {
    return this.size;
  }

  /** Forgets every endpoint. */
  clear(): void {
    this.buckets.clear();
    this.size = 0;
  }
}
