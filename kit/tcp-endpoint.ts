// A TCP sink or source run as a child process inside a namespace; prints one
// JSON line {bytes, sha256} when its side of the transfer is complete.
//   node tcp-endpoint.js sink HOST PORT       (prints "listening" first)
//   node tcp-endpoint.js source HOST PORT BYTES
import { createHash, randomFillSync } from 'node:crypto';
import { createServer, connect } from 'node:net';

const [mode, host, portText, bytesText] = process.argv.slice(2);
const port = Number(portText);
const CHUNK = 256 * 1024;

if (mode === 'sink') {
  const server = createServer((sock) => {
    const h = createHash('sha256');
    let bytes = 0;
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      h.update(d);
    });
    sock.on('end', () => {
      process.stdout.write(`${JSON.stringify({ bytes, sha256: h.digest('hex') })}\n`);
      sock.end();
      server.close();
    });
  });
  server.listen(port, host, () => process.stdout.write('listening\n'));
} else if (mode === 'source') {
  const total = Number(bytesText);
  const h = createHash('sha256');
  const chunk = Buffer.alloc(CHUNK);
  let sent = 0;
  const sock = connect(port, host, () => {
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(CHUNK, total - sent);
        randomFillSync(chunk, 0, n);
        const piece = Buffer.from(chunk.subarray(0, n));
        h.update(piece);
        sent += n;
        if (!sock.write(piece)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end(() => process.stdout.write(`${JSON.stringify({ bytes: sent, sha256: h.digest('hex') })}\n`));
    };
    pump();
  });
  sock.on('error', (e) => {
    process.stderr.write(`source: ${e.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: tcp-endpoint sink HOST PORT | source HOST PORT BYTES\n');
  process.exit(2);
}
