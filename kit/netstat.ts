// What a namespace's kernel can tell about traffic: interface byte counters
// (to show which path a transfer took) and the conntrack table (to show which
// public ports a NAT box has handed out), read from inside the namespace.
import type { Netns } from './netns.js';

/** Byte and packet counters of one interface since it was created. */
export interface IfCounters {
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
}

/** Shape of the part of `ip -j -s link show` read here. */
interface IpLinkStats {
  stats64: { rx: { bytes: number; packets: number }; tx: { bytes: number; packets: number } };
}

/** The counters of ifName in ns (`ip -s link`). */
export function ifCounters(ns: Netns, ifName: string): IfCounters {
  const [link] = JSON.parse(ns.exec('ip', ['-j', '-s', 'link', 'show', 'dev', ifName])) as IpLinkStats[];
  if (!link) throw new Error(`no interface ${ifName} in ${ns.name}`);
  const s = link.stats64;
  return { rxBytes: s.rx.bytes, txBytes: s.tx.bytes, rxPackets: s.rx.packets, txPackets: s.tx.packets };
}

/** Counters now minus counters before, for the traffic of one step. */
export function ifDelta(after: IfCounters, before: IfCounters): IfCounters {
  return {
    rxBytes: after.rxBytes - before.rxBytes,
    txBytes: after.txBytes - before.txBytes,
    rxPackets: after.rxPackets - before.rxPackets,
    txPackets: after.txPackets - before.txPackets,
  };
}

/** One conntrack entry: the original and the reply direction. */
export interface ConntrackEntry {
  proto: string;
  orig: { src: string; dst: string; sport: number; dport: number };
  reply: { src: string; dst: string; sport: number; dport: number };
}

/** The conntrack table of ns, UDP and TCP entries (/proc/net/nf_conntrack is per namespace). */
export function conntrack(ns: Netns): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const line of ns.exec('cat', ['/proc/net/nf_conntrack']).split('\n')) {
    const proto = /^ipv4\s+\d+\s+(udp|tcp)\s/.exec(line)?.[1];
    if (!proto) continue;
    const get = (k: string): string[] => [...line.matchAll(new RegExp(`\\b${k}=(\\S+)`, 'g'))].map((m) => m[1]!);
    const [src, dst, sport, dport] = [get('src'), get('dst'), get('sport'), get('dport')];
    if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) continue;
    const dir = (i: number) => ({ src: src[i]!, dst: dst[i]!, sport: Number(sport[i]), dport: Number(dport[i]) });
    out.push({ proto, orig: dir(0), reply: dir(1) });
  }
  return out;
}

/** Public ports (UDP unless told) on addr that some conntrack entry in ns holds, in either direction. */
export function claimedPorts(ns: Netns, addr: string, proto = 'udp'): Set<number> {
  const ports = new Set<number>();
  for (const e of conntrack(ns)) {
    if (e.proto !== proto) continue;
    // An inbound flow to addr holds orig.dport; a NATed outbound one holds reply.dport.
    if (e.orig.dst === addr) ports.add(e.orig.dport);
    if (e.reply.dst === addr) ports.add(e.reply.dport);
  }
  return ports;
}
