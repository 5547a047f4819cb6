// Collecting a child's output as whole lines (a chunk may end mid-line).
import type { ChildProcess } from 'node:child_process';

/** Every non-empty line the child writes to stdout or stderr, appended as it arrives. */
export function collectLines(child: ChildProcess): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      for (const l of parts) if (l) lines.push(l);
    });
    stream?.on('end', () => {
      if (partial) lines.push(partial);
      partial = '';
    });
  }
  return lines;
}
