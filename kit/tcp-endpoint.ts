// The one TCP sink/source, run as a child process inside a namespace; speaks
// kit/endpoint.ts's line protocol ({"listening":true}, {"p":BYTES},
// {"done":true,"bytes":N,"sha256":HEX|null}).
//   node tcp-endpoint.js sink HOST PORT [--progress MS] [--no-hash]
//   node tcp-endpoint.js source HOST PORT BYTES [--stamped] [--no-hash]
// --progress: the sink reports bytes received every MS milliseconds.
// --stamped: instead of fresh random bytes per chunk, one random block with
//   each chunk's sequence number in its first 4 bytes: data that never repeats
//   within a window TCP could confuse, at no per-byte RNG cost (for the soak's
//   gigabytes).
// --no-hash: skip SHA-256 (sha256 is null), for throughput runs.
import { createHash, randomFillSync } from 'node:crypto';
import { createServer, connect } from 'node:net';

const [mode, host, portText, ...rest] = process.argv.slice(2);
const port = Number(portText);
const hash = !rest.includes('--no-hash');
/** Write size of the random source: large enough to keep the socket full. */
const CHUNK = 256 * 1024;
/** Write size of the stamped source: fewer, larger writes for multi-GB runs. */
const STAMPED_CHUNK = 4 << 20;

function say(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function sink(progressMs: number): void {
  const server = createServer((sock) => {
    const h = hash ? createHash('sha256') : null;
    let bytes = 0;
    const tick = progressMs > 0 ? setInterval(() => say({ p: bytes }), progressMs) : undefined;
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      h?.update(d);
    });
    sock.on('end', () => {
      clearInterval(tick);
      say({ done: true, bytes, sha256: h?.digest('hex') ?? null });
      sock.end();
      server.close();
    });
    sock.on('error', (e) => {
      process.stderr.write(`sink: ${e.message}\n`);
      process.exit(1);
    });
  });
  server.listen(port, host, () => say({ listening: true }));
}

function source(total: number, stamped: boolean): void {
  const h = hash ? createHash('sha256') : null;
  const size = stamped ? STAMPED_CHUNK : CHUNK;
  const block = stamped ? randomFillSync(Buffer.allocUnsafe(size)) : Buffer.alloc(size);
  let sent = 0;
  let seq = 0;
  const sock = connect(port, host, () => {
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(size, total - sent);
        if (!stamped) randomFillSync(block, 0, n);
        const piece = Buffer.from(block.subarray(0, n));
        if (stamped && n >= 4) piece.writeUInt32BE(seq++ >>> 0, 0);
        h?.update(piece);
        sent += n;
        if (!sock.write(piece)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end(() => say({ done: true, bytes: sent, sha256: h?.digest('hex') ?? null }));
    };
    pump();
  });
  sock.on('error', (e) => {
    process.stderr.write(`source: ${e.message}\n`);
    process.exit(1);
  });
}

function flagValue(name: string): number {
  const i = rest.indexOf(name);
  return i >= 0 ? Number(rest[i + 1]) : 0;
}

if (mode === 'sink') sink(flagValue('--progress'));
else if (mode === 'source') source(Number(rest[0]), rest.includes('--stamped'));
else {
  process.stderr.write('usage: tcp-endpoint sink HOST PORT [--progress MS] [--no-hash] | source HOST PORT BYTES [--stamped] [--no-hash]\n');
  process.exit(2);
}
