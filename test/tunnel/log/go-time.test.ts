// Go time layouts (logging.timestamp_format) write the reference time's elements as Go does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goTimeFormatter } from '../../../src/tunnel/log/go-time.js';

// The tests run with the machine's zone; build the date in local time and
// compute the offset text the same way Go prints it.
const d = new Date(2026, 11, 5, 21, 7, 9, 40); // Sat Dec 5 2026, 21:07:09.040 local
const off = -d.getTimezoneOffset();
const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
const mm = String(Math.abs(off) % 60).padStart(2, '0');
const sign = off < 0 ? '-' : '+';

test('RFC 3339 and nebula-style layouts', () => {
  const z = off === 0 ? 'Z' : `${sign}${hh}:${mm}`;
  assert.equal(goTimeFormatter('2006-01-02T15:04:05Z07:00')(d), `2026-12-05T21:07:09${z}`);
  assert.equal(goTimeFormatter('2006-01-02T15:04:05.000Z07:00')(d), `2026-12-05T21:07:09.040${z}`);
  assert.equal(goTimeFormatter('2006-01-02 15:04:05 -0700')(d), `2026-12-05 21:07:09 ${sign}${hh}${mm}`);
});

test('names, 12-hour clock, unpadded and space-padded fields, day of year, literal text', () => {
  assert.equal(goTimeFormatter('Mon Jan _2 3:04PM')(d), 'Sat Dec  5 9:07PM');
  assert.equal(goTimeFormatter('Monday, January 2, 06 at 03 pm')(d), 'Saturday, December 5, 26 at 09 pm');
  assert.equal(goTimeFormatter('002 / 1/2')(d), '339 / 12/5');
  assert.equal(goTimeFormatter('[at] 15h')(d), '[at] 21h', 'text that is no element is copied');
});

test('fractional seconds: .000 keeps its width, .999 drops trailing zeros, digits after a run make it text', () => {
  assert.equal(goTimeFormatter('05.000000')(d), '09.040000');
  assert.equal(goTimeFormatter('05.999')(d), '09.04');
  assert.equal(goTimeFormatter('05.9')(new Date(2026, 0, 1, 0, 0, 1, 0)), '01', 'nothing after a whole second');
  assert.equal(goTimeFormatter('05,000')(d), '09,040');
});
