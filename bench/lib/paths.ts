// File locations the bench needs, resolved from this module so the bench works
// from any cwd (compiled layout: dist/bench/lib/paths.js).
import { fileURLToPath } from 'node:url';

/** The repository root (three levels up from dist/bench/lib/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Source of the C reference forwarder. */
export const REF_SRC = fileURLToPath(new URL('../../../bench/ref/forward.c', import.meta.url));
/** Where the C reference forwarder binary is built (gitignored). */
export const REF_BIN = fileURLToPath(new URL('../../../bench/ref/forward-ref', import.meta.url));
/** Source of the C reference tunnel (bench:latency). */
export const REF_TUNNEL_SRC = fileURLToPath(new URL('../../../bench/ref/tunnel.c', import.meta.url));
/** Where the C reference tunnel binary is built (gitignored). */
export const REF_TUNNEL_BIN = fileURLToPath(new URL('../../../bench/ref/tunnel-ref', import.meta.url));
/** Source of bench:latency's small-packet sender and sink. */
export const UDP_FLOOD_SRC = fileURLToPath(new URL('../../../bench/ref/udp-flood.c', import.meta.url));
/** Where the flood tool is built (gitignored). */
export const UDP_FLOOD_BIN = fileURLToPath(new URL('../../../bench/ref/udp-flood', import.meta.url));
/** The compiled TypeScript forwarder. */
export const TS_FORWARDER = fileURLToPath(new URL('../ts-forwarder.js', import.meta.url));
/** The compiled flood sender of bench:dos. */
export const DOS_FLOOD = fileURLToPath(new URL('../dos-flood.js', import.meta.url));
/** The compiled scripted peer of bench:peers. */
export const PEERS_PEER = fileURLToPath(new URL('../peers-peer.js', import.meta.url));
