// Misuse that used to crash the process (segfault, out-of-bounds write) is
// tried in a child node, so the test sees a signal instead of dying with it.
import { spawn } from 'node:child_process';
import { collect, type Finished } from '../../kit/run.js';

const NATIVE_URL = new URL('../../src/native.js', import.meta.url).href;

/** Runs `body` as an ES module with `native` (src/native.ts's export) in scope; core dumps off. */
export function runWithNative(body: string, timeoutMs = 20_000): Promise<Finished> {
  const script = `const { native } = await import(${JSON.stringify(NATIVE_URL)});\n${body}`;
  // ulimit -c 0: an expected abort must not leave a core file in the working directory.
  const child = spawn('sh', ['-c', 'ulimit -c 0; exec "$0" --expose-gc --input-type=module -e "$1"', process.execPath, script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return collect(child, timeoutMs, 'child node');
}

/** Asserts in the child that fn throws a TypeError with code ERR_TIO_NATIVE_ARG whose message matches re. */
export const EXPECT_TYPE_ERROR = `
function expectTypeError(what, fn, re) {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TypeError) || e.code !== 'ERR_TIO_NATIVE_ARG' || !re.test(e.message)) {
      throw new Error(what + ': wrong error: ' + (e && e.stack));
    }
    return;
  }
  throw new Error(what + ': did not throw');
}
`;
