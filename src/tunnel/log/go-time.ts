/**
 * Timestamps in a Go time layout, for nebula's `logging.timestamp_format`: a layout
 * writes the reference time "Mon Jan 2 15:04:05 MST 2006" the way each timestamp
 * should look. The layout is compiled once into parts; formatting a line walks
 * them. Elements follow Go's time package (its nextStdChunk rules); text that is
 * no element is copied, as Go copies it. Times are local, as Go's are.
 */

type Part = string | ((d: Date) => string);

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, w: number, c = '0'): string => String(n).padStart(w, c);

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(start.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** A zone offset element: `z` writes "Z" at UTC; `colon` between hours and minutes (and seconds); `secs` adds seconds, `hoursOnly` drops minutes. */
function zone(z: boolean, colon: boolean, secs: boolean, hoursOnly: boolean): (d: Date) => string {
  return (d) => {
    const off = -d.getTimezoneOffset();
    if (z && off === 0) return 'Z';
    const a = Math.abs(off);
    const sep = colon ? ':' : '';
    let s = `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60), 2)}`;
    if (!hoursOnly) s += `${sep}${pad(a % 60, 2)}`;
    if (secs) s += `${sep}00`;
    return s;
  };
}

// Longest first where one element is a prefix of another.
const ELEMENTS: readonly (readonly [string, (d: Date) => string])[] = [
  ['January', (d) => MONTHS[d.getMonth()]!],
  ['Jan', (d) => MONTHS[d.getMonth()]!.slice(0, 3)],
  ['Monday', (d) => DAYS[d.getDay()]!],
  ['Mon', (d) => DAYS[d.getDay()]!.slice(0, 3)],
  ['MST', (d) => (d.getTimezoneOffset() === 0 ? 'UTC' : zone(false, false, false, false)(d))],
  ['2006', (d) => pad(d.getFullYear(), 4)],
  ['002', (d) => pad(dayOfYear(d), 3)],
  ['__2', (d) => pad(dayOfYear(d), 3, ' ')],
  ['01', (d) => pad(d.getMonth() + 1, 2)],
  ['02', (d) => pad(d.getDate(), 2)],
  ['03', (d) => pad(d.getHours() % 12 || 12, 2)],
  ['04', (d) => pad(d.getMinutes(), 2)],
  ['05', (d) => pad(d.getSeconds(), 2)],
  ['06', (d) => pad(d.getFullYear() % 100, 2)],
  ['15', (d) => String(d.getHours())],
  ['_2', (d) => pad(d.getDate(), 2, ' ')],
  ['1', (d) => String(d.getMonth() + 1)],
  ['2', (d) => String(d.getDate())],
  ['3', (d) => String(d.getHours() % 12 || 12)],
  ['4', (d) => String(d.getMinutes())],
  ['5', (d) => String(d.getSeconds())],
  ['PM', (d) => (d.getHours() >= 12 ? 'PM' : 'AM')],
  ['pm', (d) => (d.getHours() >= 12 ? 'pm' : 'am')],
  ['-07:00:00', zone(false, true, true, false)],
  ['-070000', zone(false, false, true, false)],
  ['-07:00', zone(false, true, false, false)],
  ['-0700', zone(false, false, false, false)],
  ['-07', zone(false, false, false, true)],
  ['Z07:00:00', zone(true, true, true, false)],
  ['Z070000', zone(true, false, true, false)],
  ['Z07:00', zone(true, true, false, false)],
  ['Z0700', zone(true, false, false, false)],
  ['Z07', zone(true, false, false, true)],
];

/** Fractional seconds ".000" (fixed width) or ".999" (trailing zeros and a bare separator dropped), up to nanoseconds. */
function fraction(sep: string, digit: string, width: number): (d: Date) => string {
  return (d) => {
    // Date holds milliseconds; finer digits are zeros.
    const digits = pad(d.getMilliseconds(), 3).padEnd(9, '0').slice(0, width);
    if (digit === '0') return sep + digits;
    const trimmed = digits.replace(/0+$/, '');
    return trimmed === '' ? '' : sep + trimmed;
  };
}

/** Compiles a Go layout; the function formats a Date with it. */
export function goTimeFormatter(layout: string): (d: Date) => string {
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  const flush = (): void => {
    if (text !== '') parts.push(text);
    text = '';
  };
  outer: while (i < layout.length) {
    const c = layout[i]!;
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const digit = layout[i + 1]!;
      let j = i + 1;
      while (j < layout.length && layout[j] === digit) j++;
      // Only a run that no other digit follows is a fraction (Go's rule).
      if (!/[0-9]/.test(layout[j] ?? '')) {
        flush();
        parts.push(fraction(c, digit, Math.min(j - i - 1, 9)));
        i = j;
        continue;
      }
    }
    for (const [el, fn] of ELEMENTS) {
      if (layout.startsWith(el, i)) {
        flush();
        parts.push(fn);
        i += el.length;
        continue outer;
      }
    }
    text += c;
    i++;
  }
  flush();
  return (d) => {
    let s = '';
    for (const p of parts) s += typeof p === 'string' ? p : p(d);
    return s;
  };
}
