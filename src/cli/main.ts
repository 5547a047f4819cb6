#!/usr/bin/env -S node --max-semi-space-size=1 --use-largepages=silent
/** The `tio` command: `tio up -config FILE`, `tio demo`, `tio version`. */
import { TioError } from '../index.js';
import { demo } from './demo.js';
import { up } from './up.js';
import { UP_USAGE, parseUpArgs } from './up-args.js';

const USAGE = `usage: tio <command> [options]

commands:
  up -config FILE [-test] [-netns NS]   run an overlay node from a Nebula config (-test: validate and exit)
  demo [--bytes SIZE] [--no-iperf]      as root: two namespaces, a tunnel, throughput with offloads on/off
  demo --mesh [--bytes SIZE]            as root: a lighthouse, hole punching and a relay behind NATs
  version                               print the version
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'up': {
      const parsed = parseUpArgs(args);
      if (parsed === 'help') {
        process.stdout.write(UP_USAGE);
        return 0;
      }
      if (typeof parsed === 'string') {
        process.stderr.write(`tio up: ${parsed}\n\n${UP_USAGE}`);
        return 2;
      }
      return up(parsed);
    }
    case 'demo':
      return demo(args);
    case 'version':
    case '-version':
    case '--version':
      process.stdout.write('tio 0.1.0 (speaks nebula 1.6.1)\n');
      return 0;
    case undefined:
    case 'help':
    case '-h':
    case '-help':
    case '--help':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`tio: unknown command "${cmd}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Typed errors carry an actionable message; anything else is a bug worth a stack.
    if (e instanceof TioError) process.stderr.write(`tio: ${e.message}\n`);
    else process.stderr.write(`tio: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
