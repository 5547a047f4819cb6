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
 *
 * --use-largepages=silent: Node remaps its own code (V8's builtins, libuv,
 * Node-API) onto 2 MiB pages where the kernel allows transparent huge pages
 * (`enabled` set to `always` or `madvise`), and runs as before where it does
 * not. A lone packet's pass runs cold, and on guests that empty the TLB at
 * every syscall (page-table isolation without PCID) each 4 KiB code page it
 * touches costs a page walk again: idle ping p50 fell ~5% (bench:latency,
 * 4 rounds: 0.678 against 0.718 ms; docs/LATENCY.md "Node's code on large
 * pages"). The cost is memory: that code becomes private to the process,
 * ~23 MiB more RSS per node on Node 24. To run without it, start
 * `node --max-semi-space-size=1 .../main.js` directly.
 */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--use-largepages=silent'];
