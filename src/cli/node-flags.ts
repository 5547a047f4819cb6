/**
 * The V8 flags the `tio` command runs Node with. main.ts's shebang carries
 * them (test/cli/node-flags.test.ts holds the two together); whatever starts
 * main.js with `node` itself (the demo, kit/process.ts) passes them first.
 *
 * --max-semi-space-size=1 (MiB): V8 grows its young generation with the
 * allocation rate, to 2 x 16 MiB on Node 20 and more on 22+, and the pages it
 * touched stay resident. Handshake bursts drive that growth, and the old
 * generation's pages then fill with space freed by what was promoted:
 * bench:peers measured V8's pages growing 18 MiB per 1000 tunnels against
 * ~3.5 MiB of live JS objects, 20-27 KiB of RSS per tunnel at 1000-2000
 * tunnels, and 8-9 KiB with this flag (nebula 1.6.1: 10-13). bench:tunnel
 * and bench:latency showed no cost in throughput or latency (data-path
 * packets allocate nothing).
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
