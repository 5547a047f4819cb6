// The demo's TCP endpoints, run as child processes inside a namespace (this
// file is a script, not a module to import). Each prints JSON lines on stdout.
//   listen HOST PORT           prints "listening", then per non-empty connection
//                              {"bytes","sha256","seconds"} (seconds: accept -> EOF);
//                              empty connections (probes) are ignored; exits when stdin closes
//   send HOST PORT BYTES       sends BYTES random bytes, prints {"bytes","sha256","seconds"}
//                              once the peer has closed (everything delivered)
//   probe HOST PORT DEADLINE   connects (1 s per try) until it succeeds or DEADLINE ms pass;
//                              prints {"ms","tries"}; exit 1 at the deadline
import { createHash, randomFillSync } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';

const CHUNK = 256 * 1024;

function print(o: object): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function fail(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function listen(host: string, port: number): void {
  const server = createServer((sock) => {
    const start = process.hrtime.bigint();
    const h = createHash('sha256');
    let bytes = 0;
    sock.on('data', (d: Buffer) => {
      bytes += d.length;
      h.update(d);
    });
    sock.on('end', () => {
      const s = seconds(start);
      if (bytes > 0) print({ bytes, sha256: h.digest('hex'), seconds: s });
      sock.end();
    });
    sock.on('error', (e) => process.stderr.write(`listen: connection: ${e.message}\n`));
  });
  server.on('error', (e) => fail(`listen ${host}:${port}: ${e.message}`));
  server.listen(port, host, () => process.stdout.write('listening\n'));
  // The parent holds our stdin: when it closes (done, or the parent died), so do we.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}

function send(host: string, port: number, total: number): void {
  const h = createHash('sha256');
  let sent = 0;
  let start = 0n;
  const sock: Socket = connect({ host, port, timeout: 10_000 }, () => {
    sock.setTimeout(0);
    start = process.hrtime.bigint();
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(CHUNK, total - sent);
        // A fresh buffer per write: the socket may still hold the previous one.
        const piece = randomFillSync(Buffer.allocUnsafe(n));
        h.update(piece);
        sent += n;
        if (!sock.write(piece)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.end();
    };
    pump();
  });
  sock.on('timeout', () => fail(`send: connect to ${host}:${port} timed out`));
  sock.on('error', (e) => fail(`send to ${host}:${port}: ${e.message}`));
  sock.resume();
  // The sink ends its side after reading EOF: then every byte has arrived.
  sock.on('close', (hadError) => {
    if (hadError) return;
    if (sent !== total) fail(`send: connection closed after ${sent} of ${total} bytes`);
    print({ bytes: sent, sha256: h.digest('hex'), seconds: seconds(start) });
    process.exit(0);
  });
}

function probe(host: string, port: number, deadlineMs: number): void {
  const start = Date.now();
  let tries = 0;
  const attempt = (): void => {
    tries++;
    const sock = connect({ host, port, timeout: 1000 });
    let settled = false;
    const retry = (why: string): void => {
      if (settled) return;
      settled = true;
      sock.destroy();
      if (Date.now() - start + 200 > deadlineMs) fail(`probe: no TCP connection to ${host}:${port} within ${deadlineMs} ms (${tries} tries, last: ${why})`);
      setTimeout(attempt, 200);
    };
    sock.once('connect', () => {
      print({ ms: Date.now() - start, tries });
      sock.end();
      process.exit(0);
    });
    sock.once('timeout', () => retry('timed out'));
    sock.once('error', (e) => retry(e.message));
  };
  attempt();
}

const [mode, host, portText, arg] = process.argv.slice(2);
const port = Number(portText);
if (host === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) fail('usage: endpoint listen|send|probe HOST PORT [BYTES|DEADLINE_MS]');
if (mode === 'listen') listen(host, port);
else if (mode === 'send' && Number.isSafeInteger(Number(arg)) && Number(arg) > 0) send(host, port, Number(arg));
else if (mode === 'probe' && Number(arg) > 0) probe(host, port, Number(arg));
else fail('usage: endpoint listen|send|probe HOST PORT [BYTES|DEADLINE_MS]');
