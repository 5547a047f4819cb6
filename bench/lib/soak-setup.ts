// The soak's rig: two `tio up` processes in their own namespaces joined by
// one veth (MTU 1500, overlay MTU 1300; kit/topology.ts), and its teardown.
import { onCleanup } from '../../kit/cleanup.js';
import { makePki, type TestPki } from '../../kit/nebula-pki.js';
import { writeNodeConfig } from '../../kit/nebula.js';
import type { Netns } from '../../kit/netns.js';
import { startTio, type TioProcess } from '../../kit/process.js';
import { netnsPair, type NetnsPair } from '../../kit/topology.js';
import type { SoakOptions } from './soak-options.js';

/** Third octet of the underlay subnet (198.18.90.0/24), clear of the tests' subnets. */
const UNDER_NET = 90;
/** Overlay address of node b, where the sink listens (198.19.0.0/16). */
export const SOAK_SINK_HOST = '198.19.0.2';
/** TUN device name of node a; the kernel's per-device drop counters are read under it. */
export const DEV_A = 'soaka';
/** TUN device name of node b. */
export const DEV_B = 'soakb';

/** The two running nodes and their namespaces. */
export interface SoakRig {
  a: Netns;
  b: Netns;
  ta: TioProcess;
  tb: TioProcess;
  /** Kills the nodes, removes the namespaces and the PKI; idempotent. */
  dispose(): Promise<void>;
}

/** Builds the rig and waits until both nodes' interfaces are up; tears down what it built if that fails. */
export async function setUpSoak(o: SoakOptions): Promise<SoakRig> {
  const pki: TestPki = makePki([['a', '198.19.0.1/16'], ['b', `${SOAK_SINK_HOST}/16`]]);
  // Ctrl-C: the namespaces (and every process in them) go through Netns's own hook; the PKI temp dir through this one.
  const unregister = onCleanup(() => pki.dispose());
  const nodes: TioProcess[] = [];
  let pair: NetnsPair | undefined;
  const dispose = async (): Promise<void> => {
    for (const t of nodes) await t.kill();
    pair?.destroy();
    pki.dispose();
    unregister();
  };
  try {
    pair = netnsPair('soak', UNDER_NET);
    const { a, b, aAddr, bAddr } = pair;
    const ha = pki.hosts.get('a')!;
    const hb = pki.hosts.get('b')!;
    const extra = o.routines > 1 ? `routines: ${o.routines}\n` : '';
    const ta = startTio(a, writeNodeConfig(pki, ha, aAddr, [[hb, bAddr]], { dev: DEV_A, cipher: o.cipher, extra }, 'tio'));
    nodes.push(ta);
    const tb = startTio(b, writeNodeConfig(pki, hb, bAddr, [[ha, aAddr]], { dev: DEV_B, cipher: o.cipher, extra }, 'tio'));
    nodes.push(tb);
    await ta.waitForLog('interface is active', 20_000);
    await tb.waitForLog('interface is active', 20_000);
    return { a, b, ta, tb, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
