/** Structured logging for the node: Nebula's levels and its text/json formats, off the hot path. */

/** Nebula's log levels, most to least severe (docs/PROTOCOL.md "Config keys and defaults" logging.level). */
export const LOG_LEVELS = ['panic', 'fatal', 'error', 'warning', 'info', 'debug'] as const;
/** A log level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Output format: logfmt-style text or one JSON object per line. */
export type LogFormat = 'text' | 'json';
/** Extra key/value fields of a log line. */
export type LogFields = Record<string, string | number | boolean | bigint | null | undefined>;

/** Where lines go (stderr by default; tests capture). */
export type LogSink = (line: string) => void;

function quote(v: string): string {
  return /^[A-Za-z0-9_.:/@+-]+$/.test(v) ? v : JSON.stringify(v);
}

/** How a line's time is written: a formatter, or null for no time field (logging.disable_timestamp). */
export type LogTime = ((d: Date) => string) | null;

/** The default time: ISO 8601 UTC with milliseconds. */
export const ISO_TIME: LogTime = (d) => d.toISOString();

/** A leveled logger writing one line per call. */
export class Logger {
  private max: number;

  constructor(
    level: LogLevel = 'info',
    private readonly format: LogFormat = 'text',
    private readonly sink: LogSink = (l) => process.stderr.write(`${l}\n`),
    private readonly base: LogFields = {},
    private readonly time: LogTime = ISO_TIME,
  ) {
    this.max = LOG_LEVELS.indexOf(level);
  }

  /** A logger that adds `fields` to every line. */
  with(fields: LogFields): Logger {
    return new Logger(LOG_LEVELS[this.max], this.format, this.sink, { ...this.base, ...fields }, this.time);
  }

  /** Changes the level from now on (a config reload); loggers made by with() before keep theirs. */
  setLevel(level: LogLevel): void {
    this.max = LOG_LEVELS.indexOf(level);
  }

  /** True when lines of `level` are written (guard expensive field building). */
  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) <= this.max;
  }

  /** Logs at error level. */
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  /** Logs at warning level. */
  warn(msg: string, fields?: LogFields): void {
    this.log('warning', msg, fields);
  }

  /** Logs at info level. */
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }

  /** Logs at debug level. */
  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }

  /** Logs at `level`. */
  log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    const all: LogFields = { ...this.base, ...fields };
    const time = this.time === null ? null : this.time(new Date());
    if (this.format === 'json') {
      const obj: Record<string, unknown> = time === null ? { level, msg } : { time, level, msg };
      for (const [k, v] of Object.entries(all)) if (v !== undefined) obj[k] = typeof v === 'bigint' ? v.toString() : v;
      this.sink(JSON.stringify(obj));
      return;
    }
    let line = `${time === null ? '' : `time=${JSON.stringify(time)} `}level=${level} msg=${JSON.stringify(msg)}`;
    for (const [k, v] of Object.entries(all)) if (v !== undefined) line += ` ${k}=${quote(String(v))}`;
    this.sink(line);
  }
}
