// Guards for "nothing reads or writes outside the given range": inputs are
// placed inside a larger buffer filled with a sentinel byte, results must not
// depend on the sentinel (run twice with two sentinels) and the sentinel bytes
// must still be there afterwards. Plus the typed-error check every target uses.
import { TioError } from '../../src/errors.js';

/** Sentinels used for the two runs of a read-bounds check. */
export const SENTINELS = [0xa5, 0x5a] as const;

/** `bytes` at buf[off, off+len) with `lead` and `tail` sentinel bytes around it. */
export interface Placed {
  readonly buf: Buffer;
  readonly off: number;
  readonly len: number;
  readonly fill: number;
}

/** Copies `bytes` into a fresh buffer between lead and tail bytes of `fill`. */
export function place(bytes: Uint8Array, fill: number, lead = 16, tail = 16): Placed {
  const buf = Buffer.alloc(lead + bytes.length + tail, fill);
  buf.set(bytes, lead);
  return { buf, off: lead, len: bytes.length, fill };
}

/** Index of the first byte outside [from, to) that is not `fill`, or -1. */
export function firstDirtyOutside(buf: Uint8Array, from: number, to: number, fill: number): number {
  for (let i = 0; i < from; i++) if (buf[i] !== fill) return i;
  for (let i = to; i < buf.length; i++) if (buf[i] !== fill) return i;
  return -1;
}

/** Throws unless every byte of p.buf outside p's range still holds the sentinel. */
export function assertSentinelIntact(p: Placed, what: string): void {
  const at = firstDirtyOutside(p.buf, p.off, p.off + p.len, p.fill);
  if (at >= 0) throw new Error(`${what}: wrote outside its range at buffer index ${at} (range ${p.off}..${p.off + p.len})`);
}

/** Throws unless buf[off, off+len) is a whole-number range inside a buffer of length size. */
export function assertRange(off: number, len: number, size: number, what: string): void {
  if (!Number.isInteger(off) || !Number.isInteger(len) || off < 0 || len < 0 || off + len > size) {
    throw new Error(`${what}: range (${off}, ${len}) is outside its ${size}-byte buffer`);
  }
}

// Any class whose instances are TioErrors (constructor signatures differ).
type TioErrorClass = abstract new (...args: never[]) => TioError;

/**
 * Runs fn; a thrown value must be an instance of one of `allowed` (documented,
 * typed errors with a stable code), anything else is rethrown wrapped so the
 * property fails with the original as cause. Returns fn's result or the error.
 */
export function typed<T>(fn: () => T, allowed: readonly TioErrorClass[], what: string): { ok: true; value: T } | { ok: false; error: TioError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof TioError && typeof e.code === 'string' && e.code.startsWith('ERR_TIO_') && allowed.some((c) => e instanceof c)) {
      return { ok: false, error: e };
    }
    const desc = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new Error(`${what}: undocumented exception escaped: ${desc}`, { cause: e });
  }
}

/** Hex of a byte array, for failure messages. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}
