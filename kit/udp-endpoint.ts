// A UDP sink or source run as a child process inside a namespace. The source
// sends COUNT datagrams of SIZE bytes, each starting with its 4-byte sequence
// number, paced in bursts; the sink hashes them in sequence order once all
// arrived (or reports how many are missing). Speaks kit/endpoint.ts's line
// protocol: {"listening":true}, then {"done":true,"count":N,"sha256":HEX}.
//   node udp-endpoint.js sink HOST PORT COUNT
//   node udp-endpoint.js source HOST PORT COUNT SIZE
import { createHash, randomFillSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const [mode, host, portText, countText, sizeText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const type = isIPv6(host!) ? 'udp6' : 'udp4';
/** Datagrams per burst, and the pause between bursts: well under what the sink's buffer holds. */
const BURST = 32;
const PAUSE_MS = 1;

if (mode === 'sink') {
  const got: (Buffer | undefined)[] = new Array(count);
  let n = 0;
  const sock = createSocket({ type, recvBufferSize: 8 << 20 });
  const report = (): void => {
    const h = createHash('sha256');
    for (const d of got) if (d) h.update(d);
    process.stdout.write(`${JSON.stringify({ done: true, count: n, sha256: h.digest('hex') })}\n`);
    sock.close();
  };
  sock.on('message', (d) => {
    const seq = d.readUInt32BE(0);
    if (seq < count && !got[seq]) {
      got[seq] = d;
      n++;
      if (n === count) report();
    }
  });
  // A bounded wait: report what arrived if the rest never comes.
  sock.bind(port, host, () => {
    process.stdout.write(`${JSON.stringify({ listening: true })}\n`);
    setTimeout(report, 60_000).unref();
  });
} else if (mode === 'source') {
  const size = Number(sizeText);
  const h = createHash('sha256');
  const sock = createSocket(type);
  let seq = 0;
  const burst = (): void => {
    for (let i = 0; i < BURST && seq < count; i++, seq++) {
      const d = Buffer.alloc(size);
      randomFillSync(d, 4);
      d.writeUInt32BE(seq, 0);
      h.update(d);
      sock.send(d);
    }
    if (seq < count) setTimeout(burst, PAUSE_MS);
    else setTimeout(() => {
      process.stdout.write(`${JSON.stringify({ done: true, count, sha256: h.digest('hex') })}\n`);
      sock.close();
    }, 50);
  };
  sock.connect(port, host, burst);
} else {
  process.stderr.write('usage: udp-endpoint sink HOST PORT COUNT | source HOST PORT COUNT SIZE\n');
  process.exit(2);
}
