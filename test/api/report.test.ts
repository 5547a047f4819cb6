// The checked-in API reports (docs/api/tio.api.md, docs/api/tio-tunnel.api.md) match what the entry points export
// now: a change to the public API must come with the report's diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// dist/test/api/ -> the repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface ReportScript {
  ENTRY_POINTS: readonly { specifier: string; dts: string; report: string }[];
  apiReports(root: string): Map<string, string>;
}

const script = (await import(pathToFileURL(join(root, 'scripts', 'api-report.mjs')).href)) as ReportScript;
const reports = script.apiReports(root);

for (const entry of script.ENTRY_POINTS) {
  test(`the API report of ${entry.specifier} (${entry.report}) matches its exports`, () => {
    const now = reports.get(entry.report);
    assert.ok(now !== undefined, `a report for ${entry.specifier}`);
    let checkedIn = '';
    try {
      checkedIn = readFileSync(join(root, entry.report), 'utf8');
    } catch {
      assert.fail(`${entry.report} is missing: run npm run api:report and commit it`);
    }
    // Say what changed, then the line-level difference.
    if (checkedIn !== now) {
      const names = (t: string): Set<string> => new Set(t.split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3)));
      const [was, is] = [names(checkedIn), names(now)];
      const added = [...is].filter((n) => !was.has(n));
      const removed = [...was].filter((n) => !is.has(n));
      assert.equal(now, checkedIn, `the public API of ${entry.specifier} changed (added: ${added.join(', ') || 'none'}; removed: ${removed.join(', ') || 'none'}; or a signature changed): run npm run api:report and commit ${entry.report}`);
    }
  });
}

test('the report lists every runtime export of each entry point, and nothing else as a value', async () => {
  for (const entry of script.ENTRY_POINTS) {
    const mod = (await import(pathToFileURL(join(root, entry.dts.replace(/\.d\.ts$/, '.js'))).href)) as Record<string, unknown>;
    const text = reports.get(entry.report)!.split('\n# Named by the exports')[0]!;
    const sections = text.split('\n## ').slice(1).map((s) => ({ name: s.slice(0, s.indexOf('\n')), typeOnly: /^Kind: .*type-only export/m.test(s) || /^Kind: (interface|type)\b/m.test(s) }));
    const values = sections.filter((s) => !s.typeOnly).map((s) => s.name).sort();
    assert.deepEqual(Object.keys(mod).sort(), values, `${entry.specifier}: runtime exports vs the report's values`);
  }
});
