// Gathering copy: many ranges of one buffer copied back to back with one call.
import { native, nativeAvailable } from '../native.js';
import { rangesOverlap } from './bytes.js';

const nativeCopy = nativeAvailable ? native.copyPieces : null;

/**
 * Copies src[offs[i], +lens[i]) for i < n back to back into dst from dstOff
 * and returns the bytes copied: one native call for a whole coalesced chain
 * instead of a Buffer.copy per packet. Throws RangeError (nothing copied) for
 * n outside the index arrays, a range outside its buffer, or a source range
 * overlapping the destination.
 */
export function copyPieces(src: Buffer, offs: Int32Array, lens: Int32Array, n: number, dst: Buffer, dstOff: number): number {
  if (nativeCopy !== null) {
    const r = nativeCopy(src, offs, lens, n, dst, dstOff);
    if (r < 0) throw new RangeError(`copyPieces: bad ranges (${n} pieces to dst ${dstOff})`);
    return r;
  }
  return copyPiecesJs(src, offs, lens, n, dst, dstOff);
}

/** copyPieces without the addon: the same checks, then a Buffer.copy per piece. */
export function copyPiecesJs(src: Buffer, offs: Int32Array, lens: Int32Array, n: number, dst: Buffer, dstOff: number): number {
  let total = 0;
  const bad = (): never => {
    throw new RangeError(`copyPieces: bad ranges (${n} pieces to dst ${dstOff})`);
  };
  if (!Number.isInteger(n) || n < 0 || n > offs.length || n > lens.length || !Number.isInteger(dstOff) || dstOff < 0) bad();
  for (let i = 0; i < n; i++) {
    if (offs[i]! < 0 || lens[i]! < 0 || offs[i]! + lens[i]! > src.length) bad();
    total += lens[i]!;
  }
  if (dstOff + total > dst.length) bad();
  for (let i = 0; i < n; i++) if (rangesOverlap(src, offs[i]!, lens[i]!, dst, dstOff, total)) bad();
  let to = dstOff;
  for (let i = 0; i < n; i++) {
    src.copy(dst, to, offs[i]!, offs[i]! + lens[i]!);
    to += lens[i]!;
  }
  return total;
}
