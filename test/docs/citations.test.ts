// Every document the code cites is in the repository, with the section it
// names; the private design notes are cited nowhere; the docs link only to
// files that exist; the README links every document under docs/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRIVATE_NOTES, brokenLinks, checkCitations, headings } from './citations.js';

// dist/test/docs/ -> the repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MD = '.md';

function format(problems: { file: string; message: string }[]): string {
  return problems.map((p) => `${p.file}: ${p.message}`).join('\n');
}

/** A throwaway tree with the given files (path -> content); removed by the caller. */
function fixture(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tio-docs-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

test('no file under src, native, bench, test or scripts cites a missing document, a missing section, or the private notes', () => {
  const problems = checkCitations(root);
  assert.equal(problems.length, 0, `citations to fix:\n${format(problems)}`);
});

test('the README, SECURITY.md and every document under docs/ link only to files that exist', () => {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith(MD)).map((f) => join(root, 'docs', f));
  const problems = [join(root, 'README' + MD), join(root, 'SECURITY' + MD), ...docs].flatMap((f) => brokenLinks(root, f));
  assert.equal(problems.length, 0, format(problems));
});

test('the README links every document under docs/', () => {
  const readme = readFileSync(join(root, 'README' + MD), 'utf8');
  const missing = readdirSync(join(root, 'docs')).filter((f) => f.endsWith(MD) && !readme.includes(`(docs/${f})`));
  assert.deepEqual(missing, []);
});

test('the checker flags a missing document, a missing section and the private notes, and accepts valid citations', () => {
  const dir = fixture({
    ['docs/GUIDE' + MD]: '# Guide\n\n## Real section\n\n```sh\n# not a heading\n```\n',
    ['README' + MD]: '# Readme\n',
    'src/good.ts': `// ok (docs/GUIDE${MD} "Real section"), also README${MD} and GUIDE${MD}\n`,
    'src/wrapped.ts': `/**\n * wrapped (docs/GUIDE${MD} "Real section",\n * "Wrong section")\n */\n`,
    'src/missing.ts': `// see docs/NOWHERE${MD}\n`,
    'native/section.c': `/* docs/GUIDE${MD} "Not a heading" */\n`,
    'test/fence.ts': `// docs/GUIDE${MD} "not a heading"\n`,
    'scripts/private.mjs': `// ${PRIVATE_NOTES[0]!} said so\n`,
    'bench/private.ts': `// (${PRIVATE_NOTES[1]!}, section 5)\n`,
  });
  try {
    const got = checkCitations(dir).map((p) => `${p.file}: ${p.message}`).sort();
    assert.deepEqual(got, [
      `bench/private.ts: cites ${PRIVATE_NOTES[1]!}, which is not in the repository: cite the docs/ file that holds the fact`,
      `native/section.c: cites docs/GUIDE${MD} "Not a heading", which is not a heading of docs/GUIDE${MD}`,
      `scripts/private.mjs: cites ${PRIVATE_NOTES[0]!}, which is not in the repository: cite the docs/ file that holds the fact`,
      `src/missing.ts: cites docs/NOWHERE${MD}, which does not exist in the repository`,
      `src/wrapped.ts: cites docs/GUIDE${MD} "Wrong section", which is not a heading of docs/GUIDE${MD}`,
      `test/fence.ts: cites docs/GUIDE${MD} "not a heading", which is not a heading of docs/GUIDE${MD}`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('headings are read outside code fences only, with their text as written', () => {
  assert.deepEqual([...headings('# A\ntext\n## B c\n```\n# shell comment\n```\n### D ###\n#not\n')], ['A', 'B c', 'D']);
});

test('broken relative links and mentions of the private notes in a document are flagged', () => {
  const dir = fixture({
    ['docs/A' + MD]: `[b](B${MD}) [c](C${MD}#x) [web](https://example.com/x${MD}) ${PRIVATE_NOTES[0]!}\n`,
    ['docs/B' + MD]: '# B\n',
  });
  try {
    assert.deepEqual(brokenLinks(dir, join(dir, 'docs', 'A' + MD)).map((p) => p.message), [
      `links to C${MD}, which does not exist`,
      `mentions ${PRIVATE_NOTES[0]!}, which is not in the repository`,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
