// Typed errors for the test and bench helpers, so callers can branch on `code`
// instead of parsing messages.

/** Base class of every helper error; `code` is stable, the message is for humans. */
export class HelperError extends Error {
  /** Machine-readable error code. */
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A command exited non-zero, was killed, or timed out; carries its stderr. */
export class CommandError extends HelperError {
  /** Exit status, or null when the command was killed or never started. */
  readonly status: number | null;
  /** What the command wrote to stderr (trimmed). */
  readonly stderr: string;
  constructor(message: string, status: number | null, stderr: string) {
    super('ERR_HELPER_COMMAND', message);
    this.status = status;
    this.stderr = stderr;
  }
}

/** waitFor gave up: the awaited condition did not become true in time. */
export class WaitTimeoutError extends HelperError {
  constructor(what: string) {
    super('ERR_HELPER_TIMEOUT', `timed out waiting for ${what}`);
  }
}

/** A network namespace could not be created, used or removed. */
export class NetnsError extends HelperError {
  constructor(message: string) {
    super('ERR_HELPER_NETNS', message);
  }
}
