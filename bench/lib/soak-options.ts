// The soak's command line: what to move, how often to report, when to give up.

/** Decimal gigabyte, the unit of --bytes and of the report. */
export const GB = 1e9;

/** Parsed soak options. */
export interface SoakOptions {
  bytes: number;
  intervalS: number;
  cipher: 'aes' | 'chachapoly';
  routines: number;
  verify: boolean;
  json: boolean;
  maxSeconds: number;
  stallSeconds: number;
}

/** One-line usage, printed by --help. */
export const SOAK_USAGE = 'usage: npm run soak -- [--bytes 5G] [--interval 5] [--cipher aes|chachapoly] [--routines N] [--no-verify] [--max-seconds S] [--stall S] [--json]';

/** Reads a byte count such as 5G, 500M, 1.5GiB or 1073741824 (k/M/G/T decimal, with i binary). */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`--bytes: cannot read ${JSON.stringify(s)} (e.g. 5G, 500M, 1073741824)`);
  const base = m[3] ? 1024 : 1000;
  const exp = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2]!.toLowerCase()]!;
  return Math.round(Number(m[1]) * base ** exp);
}

/** Parses argv; returns 'help' for -h/--help; throws on a bad option. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | 'help' {
  const o: SoakOptions = { bytes: 5 * GB, intervalS: 5, cipher: 'aes', routines: 1, verify: true, json: false, maxSeconds: 0, stallSeconds: 30 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--bytes': o.bytes = parseBytes(value()); break;
      case '--interval': o.intervalS = Number(value()); break;
      case '--cipher': {
        const c = value();
        if (c !== 'aes' && c !== 'chachapoly') throw new Error('--cipher: aes or chachapoly');
        o.cipher = c;
        break;
      }
      case '--routines': o.routines = Number(value()); break;
      case '--no-verify': o.verify = false; break;
      case '--json': o.json = true; break;
      case '--max-seconds': o.maxSeconds = Number(value()); break;
      case '--stall': o.stallSeconds = Number(value()); break;
      case '-h': case '--help': return 'help';
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!(o.bytes > 0)) throw new Error('--bytes must be positive');
  if (!(o.intervalS > 0)) throw new Error('--interval must be positive');
  if (!Number.isInteger(o.routines) || o.routines < 1) throw new Error('--routines must be a positive integer');
  // Default budget: the transfer at a pessimistic 20 MB/s, plus set-up.
  if (!(o.maxSeconds > 0)) o.maxSeconds = Math.ceil(o.bytes / 20e6) + 120;
  return o;
}
