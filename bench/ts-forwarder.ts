// TUN->TUN forwarder on the tio library, the TypeScript side of bench/forward.ts.
// Args: --ns-a NS --ns-b NS --if-a IF --if-b IF --addr-a CIDR --addr-b CIDR --mode offload|plain
// Prints `ready` on stdout once both devices are up, forwards until SIGTERM/SIGINT
// (or stdin EOF: the harness died), then prints queue stats as one JSON line on stderr.
import { fstatSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { TunDevice } from '../src/index.js';

type Queue = TunDevice['queues'][number];
type OpenOptions = NonNullable<Parameters<typeof TunDevice.open>[0]>;

/** Device options per --mode; a new TS bench mode adds a row here and in bench/lib/modes.ts. */
const MODE_OPTIONS: Readonly<Record<string, Pick<OpenOptions, 'offload' | 'vnetHdr'>>> = {
  offload: { offload: 'auto', vnetHdr: true },
  plain: { offload: 'off', vnetHdr: false },
};

/** Write failures per direction; the first message is kept to explain them. */
interface DirErrors {
  count: number;
  first?: string;
}

function isClosed(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'ERR_TIO_CLOSED';
}

/** Forwards every packet read from `from` to `to` until either queue is closed. */
async function pump(from: Queue, to: Queue, errors: DirErrors): Promise<void> {
  for (;;) {
    let batch;
    try {
      batch = await from.read();
    } catch (e) {
      if (isClosed(e)) return;
      throw e;
    }
    for (const p of batch) {
      try {
        if (p.gso) await to.writeSuperpacket(p);
        else await to.write(p);
      } catch (e) {
        if (isClosed(e)) return;
        // One bad packet must not end the run; it is counted and reported.
        errors.count++;
        errors.first ??= e instanceof Error ? e.message : String(e);
      }
    }
  }
}

function main(): void {
  const { values: v } = parseArgs({
    options: {
      'ns-a': { type: 'string' },
      'ns-b': { type: 'string' },
      'if-a': { type: 'string' },
      'if-b': { type: 'string' },
      'addr-a': { type: 'string' },
      'addr-b': { type: 'string' },
      mode: { type: 'string' },
    },
    strict: true,
  });
  const modeOpts = MODE_OPTIONS[v.mode ?? ''];
  if (!v['ns-a'] || !v['ns-b'] || !v['if-a'] || !v['if-b'] || !v['addr-a'] || !v['addr-b'] || !modeOpts) {
    process.stderr.write(`usage: ts-forwarder --ns-a NS --ns-b NS --if-a IF --if-b IF --addr-a CIDR --addr-b CIDR --mode ${Object.keys(MODE_OPTIONS).join('|')}\n`);
    process.exit(2);
  }

  const open = (name: string, netns: string, addr: string): TunDevice =>
    TunDevice.open({ name, netns, ...modeOpts, mtu: 1500, addresses: [addr] });
  const a = open(v['if-a'], v['ns-a'], v['addr-a']);
  const b = open(v['if-b'], v['ns-b'], v['addr-b']);
  const qa = a.queues[0];
  const qb = b.queues[0];
  if (!qa || !qb) throw new Error('device opened without a queue');
  if (modeOpts.vnetHdr && !a.capabilities.tso) process.stderr.write('ts-forwarder: warning: TSO not negotiated\n');

  const errors: Record<'aToB' | 'bToA', DirErrors> = { aToB: { count: 0 }, bToA: { count: 0 } };
  const pumps = Promise.all([pump(qa, qb, errors.aToB), pump(qb, qa, errors.bToA)]);
  process.stdout.write('ready\n');

  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    a.close();
    b.close();
    // Closing wakes pending reads; bounded in case a write is stuck.
    await Promise.race([pumps.catch(() => undefined), sleep(3_000)]);
    try {
      const stats = { capabilities: a.capabilities, a: qa.stats(), b: qb.stats(), writeErrors: errors };
      process.stderr.write(`${JSON.stringify(stats)}\n`);
      process.exit(0);
    } catch (e) {
      process.stderr.write(`ts-forwarder: stats: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // The harness keeps our stdin open; EOF means it is gone and we must not linger.
  const stdin = fstatSync(0);
  if (stdin.isFIFO() || stdin.isSocket()) {
    process.stdin.on('end', () => void shutdown());
    process.stdin.resume();
  }
  pumps.catch((e: unknown) => {
    process.stderr.write(`ts-forwarder: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  });
}

main();
