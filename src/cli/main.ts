#!/usr/bin/env node
/** The `tio` command: `tio up -config FILE`, `tio demo`, `tio version`. */
import { TioError } from '../index.js';
import { demo } from './demo.js';
import { up } from './up.js';

const USAGE = `usage: tio <command> [options]

commands:
  up -config FILE [-test] [-netns NS]   run an overlay node from a Nebula config (-test: validate and exit)
  demo [--bytes SIZE] [--no-iperf]      as root: two namespaces, a tunnel, throughput with offloads on/off
  version                               print the version
`;

/** Reads `-name value`, `--name value` and `--name=value`. */
function flag(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `-${name}` || a === `--${name}`) return args[i + 1];
    if (a.startsWith(`--${name}=`) || a.startsWith(`-${name}=`)) return a.slice(a.indexOf('=') + 1);
  }
  return undefined;
}

function has(args: string[], name: string): boolean {
  return args.includes(`-${name}`) || args.includes(`--${name}`);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'up': {
      const config = flag(args, 'config');
      if (!config) {
        process.stderr.write(`tio up: -config FILE is required\n\n${USAGE}`);
        return 2;
      }
      return up({ config, netns: flag(args, 'netns'), test: has(args, 'test') });
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
