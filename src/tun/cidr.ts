/** Parsing of interface addresses given as CIDR strings ("198.18.0.1/24", "fd00::1/64"). */
import { isIPv4, isIPv6 } from 'node:net';
import { OptionError } from '../errors.js';
import { ipv4Bytes, ipv6Bytes } from '../packet/ip-text.js';

/** An interface address: family, network-order bytes and prefix length. */
export interface InterfaceAddress {
  family: 4 | 6;
  bytes: Uint8Array;
  prefixLen: number;
  /** The text it was parsed from, for messages. */
  text: string;
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
