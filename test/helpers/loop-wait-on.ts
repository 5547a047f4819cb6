// Preloaded with `node --import` to run a test file with the loop wait on
// (test/io/loop-wait.test.ts runs the readiness, queue and socket tests so).
import { waitInJavaScript } from '../../src/io/loop-wait.js';

waitInJavaScript();
// A TAP comment, so the test that preloads this knows it ran.
console.log('# loop wait on');
