// The public entry points name what they export, and the CLI uses only them and
// its one documented internal module (docs/api/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/api/ -> the repository root.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Module specifiers of the static and dynamic imports and re-exports in a TypeScript source. */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

test('src/index.ts and src/tunnel/index.ts export names explicitly (no export *)', () => {
  for (const f of ['src/index.ts', 'src/tunnel/index.ts']) {
    const text = readFileSync(join(root, f), 'utf8');
    assert.doesNotMatch(text, /export\s*\*/, `${f} re-exports a whole module`);
    assert.ok(/export\s*\{/.test(text), `${f} exports something`);
  }
});

test('the CLI imports only the public entry points and src/tunnel/internal.ts from outside src/cli', () => {
  const allowed = new Set(['src/index.ts', 'src/tunnel/index.ts', 'src/tunnel/internal.ts']);
  const cli = join(root, 'src', 'cli');
  const files = readdirSync(cli, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 3, 'CLI sources found');
  const bad: string[] = [];
  for (const f of files) {
    const file = join(cli, f);
    for (const s of specifiers(readFileSync(file, 'utf8'))) {
      if (!s.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), s)).replace(/\.js$/, '.ts');
      if (!target.startsWith('src/cli/') && !allowed.has(target)) bad.push(`src/cli/${f} -> ${target}`);
    }
  }
  assert.deepEqual(bad, []);
});
