/** Parsing of interface addresses given as CIDR strings ("198.18.0.1/24", "fd00::1/64"). */
import { isIPv4, isIPv6 } from 'node:net';
import { OptionError } from '../errors.js';

/** An interface address: family, network-order bytes and prefix length. */
export interface InterfaceAddress {
  family: 4 | 6;
  bytes: Uint8Array;
  prefixLen: number;
  /** The text it was parsed from, for messages. */
  text: string;
}

/** Network-order bytes of a dotted-quad IPv4 address (validated by node:net). */
export function ipv4Bytes(addr: string): Uint8Array {
  return Uint8Array.from(addr.split('.').map(Number));
}

/** Network-order bytes of an IPv6 address, including "::" and an embedded IPv4 tail. */
export function ipv6Bytes(addr: string): Uint8Array {
  const out = new Uint8Array(16);
  const zone = addr.indexOf('%');
  const text = zone >= 0 ? addr.slice(0, zone) : addr;
  const words = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const res: number[] = [];
    for (const g of groups) {
      if (g.includes('.')) {
        const b = ipv4Bytes(g);
        res.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      } else {
        res.push(parseInt(g, 16));
      }
    }
    return res;
  };
  const dbl = text.indexOf('::');
  const head = words(dbl >= 0 ? text.slice(0, dbl) : text);
  const tail = dbl >= 0 ? words(text.slice(dbl + 2)) : [];
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Parses "addr/prefix"; `option` names the option in the error when it is malformed. */
export function parseCidr(text: string, option = 'addresses'): InterfaceAddress {
  const slash = text.lastIndexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const prefixText = slash >= 0 ? text.slice(slash + 1) : '';
  const family = isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : 0;
  if (family === 0) throw new OptionError(option, `"${text}" is not an IPv4 or IPv6 address in CIDR form (e.g. 198.18.0.1/24)`);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new OptionError(option, `"${text}" needs a prefix length 0..${max} (e.g. ${addr}/${family === 4 ? 24 : 64})`);
  }
  return { family, bytes: family === 4 ? ipv4Bytes(addr) : ipv6Bytes(addr), prefixLen: Number(prefixText), text };
}
