// The V8 flags of the `tio` command live in one list (src/cli/node-flags.ts);
// main.ts's shebang is the one other place they are written, and must match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/cli/node-flags.js';

test('the tio command\'s shebang runs node with exactly NODE_FLAGS, in the built file too', () => {
  for (const rel of ['../../../src/cli/main.ts', '../../src/cli/main.js']) {
    const first = readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8').split('\n')[0]!;
    // `env -S` splits the rest of the line into arguments (coreutils 8.30+).
    assert.equal(first, `#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`, rel);
  }
});

test('NODE_FLAGS are flags this Node accepts', () => {
  const allowed = process.allowedNodeEnvironmentFlags;
  for (const f of NODE_FLAGS) assert.ok(allowed.has(f.split('=')[0]!), `${f} is a Node/V8 flag`);
});
