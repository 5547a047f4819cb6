// Address values in a config. Underlay endpoints must be IP literals: nebula resolves host names
// when it loads the config, but tio does not (this environment has no DNS), so a name is refused
// with a message that says so rather than failing later at send time.
import { isIPv4, isIPv6 } from 'node:net';
import { parseIpv4 } from '../firewall/ipv4.js';
import type { ConfigReader } from './reader.js';
import { show } from './reader.js';
import type { UnderlayAddress } from './types.js';

const NO_DNS = 'only IP literals are accepted (tio does not resolve host names: this environment has no DNS)';

/** An IP literal, optionally in brackets, as [text without brackets, family]; null if it is not one. */
export function ipLiteral(text: string): [string, 4 | 6] | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return [bare, 4];
  if (isIPv6(bare) && !bare.includes('%')) return [bare, 6];
  return null;
}

/**
 * Parses an underlay endpoint "a.b.c.d:port" or "[v6]:port" (Go net.SplitHostPort syntax) with a
 * port minPort..65535 (minPort 0 where 0 means "our listen port"). Host names and malformed values
 * throw ConfigError at `path`.
 */
export function parseUnderlay(r: ConfigReader, value: unknown, path: string, minPort = 1): UnderlayAddress {
  const text = r.stringValue(value, path).trim();
  const m = /^(\[[^\]]*\]|[^:[\]]*):(\d+)$/.exec(text);
  if (m === null) {
    if (/^[^:]+$/.test(text)) r.fail(path, `must be "host:port", got ${show(value)} (no port)`);
    return r.fail(path, `must be "ip:port" or "[ipv6]:port", got ${show(value)}`);
  }
  const hostText = m[1] as string;
  const port = Number(m[2]);
  if (hostText === '' || hostText === '[]') r.fail(path, `must start with an IP address, got ${show(value)}`);
  const lit = ipLiteral(hostText);
  if (lit === null) {
    if (hostText.startsWith('[')) r.fail(path, `${show(hostText)} is not an IPv6 address`);
    if (/^[\d.]+$/.test(hostText)) r.fail(path, `${show(hostText)} is not an IPv4 address`);
    r.fail(path, `${show(value)} uses the host name ${show(hostText)}; ${NO_DNS}`);
  }
  if (lit[1] === 6 && !hostText.startsWith('[')) r.fail(path, `IPv6 addresses need brackets, e.g. "[${hostText}]:${port}"`);
  if (port < minPort || port > 65535) r.fail(path, `port must be ${minPort}..65535, got ${show(value)}`);
  return { host: lit[0], port, family: lit[1] };
}

/** A bind address: an IP literal (brackets allowed), returned without brackets. Names throw at `path`. */
export function parseBindHost(r: ConfigReader, value: unknown, path: string): string {
  const text = r.stringValue(value, path).trim();
  const lit = ipLiteral(text);
  if (lit === null) r.fail(path, `must be an IP address such as 0.0.0.0 or "[::]", got ${show(value)}; ${NO_DNS}`);
  return lit[0];
}

/** An overlay (VPN) address: IPv4 only in nebula 1.6.1 (docs/PROTOCOL.md "Inner packets and address checks"); u32 or ConfigError at `path`. */
export function parseOverlayIp(r: ConfigReader, value: unknown, path: string): number {
  const text = r.stringValue(value, path).trim();
  const ip = parseIpv4(text);
  if (ip === null) r.fail(path, `must be an IPv4 overlay address like 198.19.0.1, got ${show(value)}`);
  return ip;
}
