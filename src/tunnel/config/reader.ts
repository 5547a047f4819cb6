// Typed reads from the parsed YAML tree. Every read knows its key path, so a bad value becomes a
// ConfigError naming it, and every map is checked for keys nobody reads (a warning, not an error).
//
// Scalars are accepted in the forms nebula's config.C accepts (it formats any scalar with %v and
// re-parses it): booleans also as true/false/yes/no/y/n/on/off/1/0 strings, integers also as digit
// strings. Where nebula silently falls back to the default on a bad value, tio refuses instead.
import { ConfigError } from './errors.js';
import { parseDuration } from './duration.js';
import type { ConfigWarning } from './types.js';
import { refusal, switchedOn, tuningWarning, type Unsupported } from './sections/unsupported.js';

/** A YAML map as a plain object. */
export type ConfigMap = Readonly<Record<string, unknown>>;

/** Path of `key` under `parent`: dotted for plain keys, bracketed and quoted otherwise. */
export function childPath(parent: string, key: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
  if (parent === '') return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** Path of list element `i` under `parent`. */
export function indexPath(parent: string, i: number): string {
  return `${parent}[${i}]`;
}

/** A short rendering of a value for messages: strings quoted, maps and lists named. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return showString(value);
  return String(value);
}

/** Longest string value an error echoes whole: enough for any address, duration or path fragment. */
const SHOW_MAX = 40;

// A value in the wrong place may be a secret (a key pasted where a path goes, or -config naming a
// key file): PEM blocks are never echoed, and long strings only by their start and length.
function showString(v: string): string {
  if (v.includes('-----BEGIN')) return `a PEM block (${v.length} characters, not shown)`;
  if (v.length <= SHOW_MAX) return JSON.stringify(v);
  return `${JSON.stringify(v.slice(0, SHOW_MAX))}… (${v.length} characters)`;
}

/** Whether `v` is a YAML map (not a list, not null). */
export function isMap(v: unknown): v is ConfigMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TRUE_WORDS = new Set(['1', 't', 'true', 'y', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'n', 'no', 'off']);

/** Collects warnings and reads typed values, throwing ConfigError on bad ones. */
export class ConfigReader {
  /** Warnings so far, in reading order. */
  readonly warnings: ConfigWarning[] = [];

  /** Records a warning about `path`. */
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** Throws the ConfigError for `path`. */
  fail(path: string, detail: string): never {
    throw new ConfigError(path, detail);
  }

  /**
   * The map at `path` (absent or null -> empty map); warns about keys outside `known` and explains
   * the ones in `ignored` (nebula options tio does not implement).
   */
  map(value: unknown, path: string, known: readonly string[], ignored: Readonly<Record<string, Unsupported>> = {}): ConfigMap {
    if (value === undefined || value === null) return {};
    if (!isMap(value)) this.fail(path, `must be a map, got ${show(value)}`);
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const u = ignored[key];
      if (u === undefined) this.warn(childPath(path, key), 'unknown key, ignored');
      else if (u.tuning) this.warn(childPath(path, key), tuningWarning(u));
      else if (switchedOn(value[key])) this.fail(childPath(path, key), refusal(u));
    }
    return value;
  }

  /** A list at `path` (absent or null -> empty). */
  list(value: unknown, path: string): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, `must be a list, got ${show(value)}`);
    return value;
  }

  /** A boolean; `fallback` when absent or null. */
  bool(m: ConfigMap, key: string, path: string, fallback: boolean): boolean {
    const v = m[key];
    const p = childPath(path, key);
    if (v === undefined || v === null) return fallback;
    const b = toBool(v);
    if (b === null) this.fail(p, `must be true or false, got ${show(v)}`);
    return b;
  }

  /** An integer within [min, max]; `fallback` when absent or null. */
  int(m: ConfigMap, key: string, path: string, fallback: number, min: number, max: number): number {
    const v = m[key];
    if (v === undefined || v === null) return fallback;
    return this.intValue(v, childPath(path, key), min, max);
  }

  /** An integer value (not looked up by key) within [min, max]. */
  intValue(v: unknown, path: string, min: number, max: number): number {
    const n = toInt(v);
    if (n === null || n < min || n > max) this.fail(path, `must be an integer ${min}..${max}, got ${show(v)}`);
    return n;
  }

  /** A string (numbers are taken as their text, as nebula does); `fallback` when absent, null or empty. */
  string<T extends string | null>(m: ConfigMap, key: string, path: string, fallback: T): string | T {
    const v = m[key];
    if (v === undefined || v === null) return fallback;
    const s = this.stringValue(v, childPath(path, key));
    return s === '' ? fallback : s;
  }

  /** A scalar value as text; maps, lists and booleans are refused. */
  stringValue(v: unknown, path: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return this.fail(path, `must be a string, got ${show(v)}`);
  }

  /** One of `choices` (exact match after optional lower-casing); `fallback` when absent or null. */
  choice<T extends string>(m: ConfigMap, key: string, path: string, choices: readonly T[], fallback: T, lowerCase = false): T {
    const v = m[key];
    if (v === undefined || v === null) return fallback;
    const p = childPath(path, key);
    const s = typeof v === 'string' ? (lowerCase ? v.toLowerCase() : v) : null;
    const hit = choices.find((c) => c === s);
    if (hit === undefined) this.fail(p, `must be one of ${choices.join(', ')}, got ${show(v)}`);
    return hit;
  }

  /** A Go duration ("100ms", "5s", "1h30m") in milliseconds, never negative, zero only if `allowZero`; `fallbackMs` when absent or null. */
  duration(m: ConfigMap, key: string, path: string, fallbackMs: number, allowZero: boolean): number {
    const v = m[key];
    if (v === undefined || v === null) return fallbackMs;
    const p = childPath(path, key);
    const ms = typeof v === 'string' ? parseDuration(v.trim()) : v === 0 ? 0 : null;
    if (ms === null) this.fail(p, `must be a duration like "100ms", "5s", "12m" or "1h30m" (number + unit), got ${show(v)}`);
    if (ms < 0 || (ms === 0 && !allowZero)) this.fail(p, `must be ${allowZero ? 'zero or more' : 'longer than 0'}, got ${show(v)}`);
    return ms;
  }

  /** Whole seconds (nebula 1.6.1 reads these with GetInt) in milliseconds, within [min, max] seconds. */
  seconds(m: ConfigMap, key: string, path: string, fallbackMs: number, min: number, max: number): number {
    const v = m[key];
    if (v === undefined || v === null) return fallbackMs;
    const n = toInt(v);
    if (n === null || n < min || n > max) {
      this.fail(childPath(path, key), `must be a whole number of seconds ${min}..${max} (nebula 1.6.1 reads an integer here), got ${show(v)}`);
    }
    return n * 1000;
  }
}

/** Go strconv.ParseBool plus nebula's y/yes/n/no and YAML 1.1's on/off; null when none of them. */
export function toBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v !== 'string') return null;
  const s = v.trim().toLowerCase();
  if (TRUE_WORDS.has(s)) return true;
  if (FALSE_WORDS.has(s)) return false;
  return null;
}

/** An integer from a number or a decimal string (Go strconv.Atoi); null otherwise or beyond 2^53. */
export function toInt(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}
