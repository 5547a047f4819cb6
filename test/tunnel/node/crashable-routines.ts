// Lets a test crash a routine of a running multi-queue node without a hook in product
// code: while installed, worker threads spawned from the product routine entry run
// crashing-routine-entry.ts instead (the same routine, plus a 'crash' message), and
// crash(vpnIp, i) sends that message to the newest routine i of the node with that overlay address. Node's built-in ESM exports are
// live bindings: syncBuiltinESMExports() makes routines.ts see the substitute Worker.
import { syncBuiltinESMExports } from 'node:module';
import workerThreads, { type WorkerOptions } from 'node:worker_threads';
import type { RoutineInit } from '../../../src/tunnel/node/routine-protocol.js';

const PRODUCT_ENTRY = new URL('../../../src/tunnel/node/routine-worker.js', import.meta.url).href;
const TEST_ENTRY = new URL('./crashing-routine-entry.js', import.meta.url);

/** Installed substitute: crash(vpnIp, i) makes routine i of node vpnIp throw; uninstall() restores the real Worker. */
export interface CrashableRoutines {
  crash(vpnIp: number, i: number): void;
  uninstall(): void;
}

/** Routes routine workers spawned from now on through the test entry. */
export function installCrashableRoutines(): CrashableRoutines {
  const Real = workerThreads.Worker;
  const byName = new Map<string, InstanceType<typeof Real>>();
  class Crashable extends Real {
    constructor(url: string | URL, options?: WorkerOptions) {
      const routine = String(url) === PRODUCT_ENTRY;
      super(routine ? TEST_ENTRY : url, options);
      if (routine) {
        const init = options?.workerData as Partial<RoutineInit> | undefined;
        byName.set(`${String(init?.vpnIp)}/${String(init?.index)}`, this);
      }
    }
  }
  workerThreads.Worker = Crashable;
  syncBuiltinESMExports();
  return {
    crash(vpnIp: number, i: number): void {
      const w = byName.get(`${vpnIp}/${i}`);
      if (w === undefined) throw new Error(`no routine ${i} was spawned for ${vpnIp}`);
      w.postMessage({ t: 'crash' });
    },
    uninstall(): void {
      workerThreads.Worker = Real;
      syncBuiltinESMExports();
    },
  };
}
