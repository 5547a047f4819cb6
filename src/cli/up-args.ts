/**
 * Arguments of `tio up`. Strict on purpose: a mistyped flag (`-tset`) must not
 * start a real node, so anything unknown is a usage error naming it.
 */

/** What `tio up` was asked to do. */
export interface UpArgs {
  /** -config FILE (required unless help). */
  readonly config: string;
  /** -netns NS: create the TUN and socket in that namespace. */
  readonly netns?: string;
  /** -test: validate the config (PKI included) and exit, as nebula -test. */
  readonly test: boolean;
}

/** Usage text of `tio up`. */
export const UP_USAGE = `usage: tio up -config FILE [-test] [-netns NS]

  -config FILE   the Nebula config (YAML) to run
  -test          validate the config, certificates included, and exit (0 when valid)
  -netns NS      create the TUN device and the UDP socket in network namespace NS
  -help          print this and exit
`;

/** Parses `tio up` arguments: UpArgs, 'help', or a usage error (a sentence). */
export function parseUpArgs(args: readonly string[]): UpArgs | 'help' | string {
  let config: string | undefined;
  let netns: string | undefined;
  let test = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) return `unexpected argument "${cut(a)}"`;
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(0, eq) : a).replace(/^--?/, '');
    const value = (): string | undefined => (eq >= 0 ? a.slice(eq + 1) : args[++i]);
    switch (name) {
      case 'config':
        config = value();
        if (config === undefined || config === '') return '-config needs a file';
        break;
      case 'netns':
        netns = value();
        if (netns === undefined || netns === '') return '-netns needs a namespace name';
        break;
      case 'test':
        if (eq >= 0) return '-test takes no value';
        test = true;
        break;
      case 'help':
      case 'h':
        return 'help';
      default:
        return `unknown flag "${cut(name)}"`;
    }
  }
  if (config === undefined) return '-config FILE is required';
  return { config, test, ...(netns !== undefined ? { netns } : {}) };
}

/** Longest argument echoed back in an error: a path pasted by mistake stays readable, a pasted key does not spill. */
const ECHO_MAX = 40;

function cut(s: string): string {
  return s.length <= ECHO_MAX ? s : `${s.slice(0, ECHO_MAX)}…`;
}
