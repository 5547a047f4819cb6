// Typed errors for the benchmarks; `code` is stable, the message is for humans.

/** A benchmark step failed (tool missing, forwarder died, bad iperf3 output, bad arguments). */
export class BenchError extends Error {
  /** Machine-readable error code. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'BenchError';
    this.code = code;
  }
}
