// A peer dies without a word (SIGKILL, no close_tunnel) and comes back with
// fresh indexes and keys. The survivor still holds the old tunnel; traffic must
// resume within a bounded time:
// - survivor sends first: its packets carry an index the new peer does not
//   know -> recv_error -> the survivor re-handshakes at once (docs/ARCHITECTURE.md "The control plane");
// - restarted peer sends first: it initiates, and the survivor takes the newer
//   handshake (docs/PROTOCOL.md "Retries, duplicates and races": Taking new handshake).
// Both with a tio peer (two `tio up` processes) and with a real nebula 1.6.1
// as the peer that is killed (tio stays up). The measured recovery times are
// printed; the bound asserted is 15 s.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Netns, destroyAll, rootSkipReason } from '../../kit/netns.js';
import { netnsPair } from '../../kit/topology.js';
import { makePki, nebulaSkipReason, type HostFiles, type TestPki } from '../../kit/nebula-pki.js';
import { startNebula, writeNodeConfig, type NebulaProcess } from '../../kit/nebula.js';
import { tryRun } from '../../kit/run.js';
import { startTio, type TioProcess } from '../../kit/process.js';
import { OVERLAY_A, OVERLAY_B } from './topology.js';

const skip = rootSkipReason() ?? nebulaSkipReason()
  ?? (tryRun('ping', ['-V'], { timeoutMs: 5000 }) === undefined ? 'ping is not installed (apt install iputils-ping)' : undefined);
after(destroyAll);

/** Recovery must finish within this (the bound); typical values are printed. */
const RECOVERY_BOUND_MS = 15_000;

async function pingOnce(ns: Netns, ip: string): Promise<boolean> {
  try {
    await ns.execAsync('ping', ['-c', '1', '-W', '0.25', ip], { timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** Pings until one echo comes back; returns ms from start, or throws after boundMs. */
async function msUntilPing(ns: Netns, ip: string, boundMs: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; performance.now() - start < boundMs && i < 1000; i++) {
    if (await pingOnce(ns, ip)) return performance.now() - start;
    await sleep(50);
  }
  throw new Error(`no echo from ${ip} within ${boundMs} ms`);
}

interface Pair {
  pki: TestPki;
  a: Netns;
  b: Netns;
  ha: HostFiles;
  hb: HostFiles;
  configA: string;
  configB: string;
}

function pair(tag: string, net: number): Pair {
  const pki = makePki([['a', `${OVERLAY_A}/16`], ['b', `${OVERLAY_B}/16`]]);
  const { a, b } = netnsPair(tag, net);
  const ha = pki.hosts.get('a')!;
  const hb = pki.hosts.get('b')!;
  const configA = writeNodeConfig(pki, ha, `198.18.${net}.1`, [[hb, `198.18.${net}.2`]], { dev: 'tioa', level: 'debug' }, 'tio');
  const configB = writeNodeConfig(pki, hb, `198.18.${net}.2`, [[ha, `198.18.${net}.1`]], { dev: 'tiob', level: 'debug' }, 'tio');
  return { pki, a, b, ha, hb, configA, configB };
}

for (const first of ['survivor', 'restarted'] as const) {
  test(`tio peer SIGKILLed and restarted: traffic resumes (${first} sends first)`, { skip, timeout: 90_000 }, async () => {
    const p = pair(`rst${first[0]}`, 40 + (first === 'survivor' ? 0 : 1));
    let ta: TioProcess | undefined;
    let tb: TioProcess | undefined;
    try {
      ta = startTio(p.a, p.configA);
      tb = startTio(p.b, p.configB);
      await ta.waitForLog('interface is active', 15_000);
      await tb.waitForLog('interface is active', 15_000);
      const firstUp = await msUntilPing(p.a, OVERLAY_B, RECOVERY_BOUND_MS);
      await tb.kill();
      tb = startTio(p.b, p.configB);
      await tb.waitForLog('interface is active', 15_000);
      // Survivor first: a pings b, whose new node knows none of the old indexes.
      // Restarted first: b pings a, so b initiates a fresh handshake.
      const ms = first === 'survivor'
        ? await msUntilPing(p.a, OVERLAY_B, RECOVERY_BOUND_MS)
        : await msUntilPing(p.b, OVERLAY_A, RECOVERY_BOUND_MS);
      console.log(`# tio peer restart, ${first} sends first: first tunnel ${firstUp.toFixed(0)} ms, recovery after restart ${ms.toFixed(0)} ms`);
      assert.ok(ms < RECOVERY_BOUND_MS);
      // Both directions work on the new tunnel.
      assert.ok(await pingOnce(p.a, OVERLAY_B) && await pingOnce(p.b, OVERLAY_A), 'ping both ways after recovery');
      if (first === 'survivor') {
        // The path docs/ARCHITECTURE.md "The control plane" describes: recv_error for the stale index, then a fresh handshake.
        await ta.stop();
        assert.ok(ta.log.some((l) => l.includes('Recv error received')), 'the survivor got a recv_error for the stale index');
        const initiated = ta.log.filter((l) => l.includes('Handshake message sent') && l.includes('stage:1')).length;
        assert.ok(initiated >= 2, `the survivor initiated a fresh handshake (${initiated} initiations)`);
      }
      assert.equal(await tb.stop(), 0, 'restarted node exits cleanly');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- a ---\n${ta?.log.join('\n')}\n--- b ---\n${tb?.log.join('\n')}`, { cause: e });
    } finally {
      await ta?.kill();
      await tb?.kill();
      p.a.destroy();
      p.b.destroy();
      p.pki.dispose();
    }
  });
}

for (const first of ['tio', 'nebula'] as const) {
  test(`nebula peer SIGKILLed and restarted, tio stays up: traffic resumes (${first} sends first)`, { skip, timeout: 90_000 }, async () => {
    const p = pair(`rsn${first[0]}`, 42 + (first === 'tio' ? 0 : 1));
    let ta: TioProcess | undefined;
    let nb: NebulaProcess | undefined;
    const startPeer = (): NebulaProcess => startNebula(p.b, p.pki, p.hb, `198.18.${first === 'tio' ? 42 : 43}.2`, [[p.ha, `198.18.${first === 'tio' ? 42 : 43}.1`]], { dev: 'nebb' });
    try {
      ta = startTio(p.a, p.configA);
      nb = startPeer();
      await ta.waitForLog('interface is active', 15_000);
      await nb.waitForLog('Nebula interface is active', 15_000);
      const firstUp = await msUntilPing(p.a, OVERLAY_B, RECOVERY_BOUND_MS);
      nb.child.kill('SIGKILL');
      await new Promise((r) => (nb!.child.exitCode !== null || nb!.child.signalCode !== null ? r(null) : nb!.child.once('exit', r)));
      nb = startPeer();
      await nb.waitForLog('Nebula interface is active', 15_000);
      const ms = first === 'tio'
        ? await msUntilPing(p.a, OVERLAY_B, RECOVERY_BOUND_MS)
        : await msUntilPing(p.b, OVERLAY_A, RECOVERY_BOUND_MS);
      console.log(`# nebula peer restart, ${first} sends first: first tunnel ${firstUp.toFixed(0)} ms, recovery after restart ${ms.toFixed(0)} ms`);
      assert.ok(ms < RECOVERY_BOUND_MS);
      assert.ok(await pingOnce(p.a, OVERLAY_B) && await pingOnce(p.b, OVERLAY_A), 'ping both ways after recovery');
      assert.ok(!nb.log.some((l) => /level=error|panic/.test(l)), 'nebula logged no error');
      assert.equal(ta.child.exitCode, null, 'tio is still running');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- tio ---\n${ta?.log.join('\n')}\n--- nebula ---\n${nb?.log.join('\n')}`, { cause: e });
    } finally {
      await ta?.kill();
      await nb?.stop();
      p.a.destroy();
      p.b.destroy();
      p.pki.dispose();
    }
  });
}
