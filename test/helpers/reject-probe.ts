// A client run as a child process inside a namespace that reports how a blocked destination
// answered: one JSON line {error, ms} (error: the errno code name, or null if it connected /
// was never refused within the bound). Exits 0 either way.
//   node reject-probe.js tcp HOST PORT [BOUND_MS]   connect; ECONNREFUSED on an RST
//   node reject-probe.js udp HOST PORT [BOUND_MS]   connected UDP socket, a datagram every
//                                                   50 ms until the socket reports an ICMP error
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';

const [mode, host, portText, boundText] = process.argv.slice(2);
const port = Number(portText);
const bound = Number(boundText ?? 5000);
const start = process.hrtime.bigint();
const ms = (): number => Number(process.hrtime.bigint() - start) / 1e6;
let done = false;

function report(error: string | null): void {
  if (done) return;
  done = true;
  process.stdout.write(`${JSON.stringify({ error, ms: Math.round(ms()) })}\n`);
  process.exit(0);
}

setTimeout(() => report(null), bound);

if (mode === 'tcp') {
  const sock = connect({ host: host!, port });
  sock.on('connect', () => report('CONNECTED'));
  sock.on('error', (e: NodeJS.ErrnoException) => report(e.code ?? e.message));
} else if (mode === 'udp') {
  const sock = createSocket(isIPv6(host!) ? 'udp6' : 'udp4');
  sock.on('error', (e: NodeJS.ErrnoException) => report(e.code ?? e.message));
  sock.connect(port, host, () => {
    const send = (): void => {
      if (done) return;
      sock.send(Buffer.from('probe'), (e) => {
        if (e) report((e as NodeJS.ErrnoException).code ?? e.message);
      });
      setTimeout(send, 50);
    };
    send();
  });
} else {
  process.stderr.write('usage: reject-probe tcp|udp HOST PORT [BOUND_MS]\n');
  process.exit(2);
}
