// One line per step. On a TTY a spinner runs while the step is under way and
// the line is replaced by its outcome; otherwise only the outcome lines are
// printed, plain, so logs and pipes stay readable.

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Where progress goes: a writable with an optional isTTY (process.stdout). */
export interface ProgressOut {
  write(s: string): boolean;
  isTTY?: boolean;
  on?(event: 'error', fn: (e: Error) => void): unknown;
  off?(event: 'error', fn: (e: Error) => void): unknown;
}

function fmtSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** Prints steps and their outcomes. */
export class Progress {
  private timer: NodeJS.Timeout | null = null;
  private current: string | null = null;

  private muted = false;
  private readonly onError = (): void => {
    // The reader went away (e.g. tio demo | head): stop writing, keep going, still clean up.
    this.muted = true;
  };

  constructor(private readonly out: ProgressOut, private readonly tty = out.isTTY === true) {
    out.on?.('error', this.onError);
  }

  /** Stops listening for output errors. */
  close(): void {
    this.clearSpinner();
    this.out.off?.('error', this.onError);
  }

  private write(s: string): void {
    if (!this.muted) this.out.write(s);
  }

  /** A plain line (headers, the table). */
  line(text: string): void {
    this.clearSpinner();
    this.write(`${text}\n`);
  }

  /**
   * Runs one step: spinner while `fn` runs, then "✓ label: detail (time)", or
   * "✗ label: reason" and the error rethrown. `detail` turns the result into text.
   */
  async step<T>(label: string, fn: () => Promise<T> | T, detail?: (r: T) => string): Promise<T> {
    const start = Date.now();
    this.startSpinner(label, start);
    try {
      const r = await fn();
      const d = detail?.(r);
      this.finish(this.tty ? '✓' : 'ok  ', `${label}${d ? `: ${d}` : ''} (${fmtSeconds(Date.now() - start)})`);
      return r;
    } catch (e) {
      this.finish(this.tty ? '✗' : 'FAIL', `${label}: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
  }

  /** Ends a running spinner without an outcome (e.g. on a signal), leaving the line marked as interrupted. */
  interrupt(why: string): void {
    if (this.current !== null) this.finish(this.tty ? '✗' : 'FAIL', `${this.current}: ${why}`);
  }

  private startSpinner(label: string, start: number): void {
    this.current = label;
    if (!this.tty) return;
    let i = 0;
    const draw = (): void => {
      this.write(`\r\x1b[2K${FRAMES[i++ % FRAMES.length]} ${label} ${fmtSeconds(Date.now() - start)}`);
    };
    draw();
    this.timer = setInterval(draw, 100);
    this.timer.unref();
  }

  private clearSpinner(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.current !== null) this.write('\r\x1b[2K');
  }

  private finish(mark: string, text: string): void {
    this.clearSpinner();
    this.current = null;
    this.write(`${mark} ${text}\n`);
  }
}
