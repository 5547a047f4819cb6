// The runtime a bench ran on. Every cipher byte is Node's OpenSSL, so the
// Node and OpenSSL versions move the figures as much as the code does: every
// bench prints them with its results and puts them in its --json output.

/** Node and OpenSSL versions of this process (and of children started with process.execPath). */
export interface Runtime {
  /** process.versions.node, e.g. "24.5.0". */
  node: string;
  /** process.versions.openssl, e.g. "3.5.1"; "none" for a Node built without it. */
  openssl: string;
}

/** This process's runtime. */
export function runtime(): Runtime {
  return { node: process.versions.node, openssl: process.versions.openssl ?? 'none' };
}

/** The line every bench prints with its results: "runtime: Node 24.5.0, OpenSSL 3.5.1". */
export function runtimeLine(r: Runtime = runtime()): string {
  return `runtime: Node ${r.node}, OpenSSL ${r.openssl}`;
}

/** A bench's JSON result with the runtime added as "runtime": {node, openssl}. */
export function withRuntime<T extends object>(result: T): T & { runtime: Runtime } {
  return { ...result, runtime: runtime() };
}
