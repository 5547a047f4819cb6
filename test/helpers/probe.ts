// Runs reject-probe.js in a namespace and returns what it reported.
import { fileURLToPath } from 'node:url';
import type { Netns } from '../../kit/netns.js';

const PROBE = fileURLToPath(new URL('./reject-probe.js', import.meta.url));

/** How a probe ended: the errno code (or CONNECTED), null if nothing happened within its bound. */
export interface ProbeResult {
  error: string | null;
  ms: number;
}

/** A TCP connect or connected-UDP probe from `ns` to host:port, bounded by boundMs. */
export async function probe(ns: Netns, mode: 'tcp' | 'udp', host: string, port: number, boundMs = 5000): Promise<ProbeResult> {
  const out = await ns.execAsync(process.execPath, [PROBE, mode, host, String(port), String(boundMs)], { timeoutMs: boundMs + 20_000 });
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`reject-probe printed no result: ${out}`);
  return JSON.parse(line) as ProbeResult;
}
