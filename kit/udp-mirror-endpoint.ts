// A tiny STUN-like UDP tool run as a child process inside a namespace: the
// mirror answers every datagram with the source address and port it saw, so
// a sender behind NAT learns its public mapping. Line protocol as in
// kit/endpoint.ts: {"listening":true}, {"seen":{...}} per datagram, {"done":true,...}.
//   node udp-mirror-endpoint.js mirror HOST PORT [PORT...]     runs until killed
//   node udp-mirror-endpoint.js ask SRCHOST SRCPORT TIMEOUT_MS HOST:PORT [HOST:PORT...]
//   node udp-mirror-endpoint.js send SRCHOST SRCPORT HOST:PORT  one datagram, no answer expected
// ask: from SRCHOST:SRCPORT asks each target in turn (resending every RESEND_MS)
// and reports {"done":true,"mapped":[{"address","port"}...]} in target order;
// exits 1 when a target does not answer within TIMEOUT_MS.
import { createSocket, type Socket } from 'node:dgram';

/** How often ask resends an unanswered question. */
const RESEND_MS = 200;

const [mode, ...args] = process.argv.slice(2);

function say(o: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(o)}\n`);
}

function target(t: string): { host: string; port: number } {
  const i = t.lastIndexOf(':');
  return { host: t.slice(0, i), port: Number(t.slice(i + 1)) };
}

function bind(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, host, () => resolve(s));
  });
}

async function mirror(host: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    const s = await bind(host, port);
    s.on('message', (_msg, r) => {
      const seen = { address: r.address, port: r.port, localPort: port };
      say({ seen });
      s.send(JSON.stringify(seen), r.port, r.address);
    });
  }
  say({ listening: true });
}

async function ask(host: string, port: number, timeoutMs: number, targets: string[]): Promise<void> {
  const s = await bind(host, port);
  const mapped: unknown[] = [];
  for (const t of targets.map(target)) {
    const answer = await new Promise<unknown>((resolve, reject) => {
      const send = (): void => s.send('?', t.port, t.host);
      const tick = setInterval(send, RESEND_MS);
      const giveUp = setTimeout(() => {
        clearInterval(tick);
        reject(new Error(`no answer from ${t.host}:${t.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('message', (msg) => {
        clearInterval(tick);
        clearTimeout(giveUp);
        resolve(JSON.parse(msg.toString()));
      });
      send();
    });
    mapped.push(answer);
  }
  say({ done: true, mapped });
  s.close();
}

async function sendOne(host: string, port: number, to: string): Promise<void> {
  const s = await bind(host, port);
  const t = target(to);
  s.send('!', t.port, t.host, () => {
    say({ done: true });
    s.close();
  });
}

const main = mode === 'mirror' ? mirror(args[0]!, args.slice(1).map(Number))
  : mode === 'ask' ? ask(args[0]!, Number(args[1]), Number(args[2]), args.slice(3))
  : mode === 'send' ? sendOne(args[0]!, Number(args[1]), args[2]!)
  : Promise.reject(new Error('usage: mirror HOST PORT... | ask SRCHOST SRCPORT TIMEOUT_MS HOST:PORT... | send SRCHOST SRCPORT HOST:PORT'));
main.catch((e: unknown) => {
  process.stderr.write(`udp-mirror: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
