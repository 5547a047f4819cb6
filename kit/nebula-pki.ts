// Throwaway Nebula PKIs made with the real nebula-cert (CI installs it): a CA
// and host certificates in a temp dir, removed by dispose().
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tryRun } from './run.js';

/** Paths of one host's certificate and key. */
export interface HostFiles {
  name: string;
  ip: string;
  crt: string;
  key: string;
}

/** A CA and its hosts in a temp dir. */
export interface TestPki {
  dir: string;
  caCrt: string;
  caKey: string;
  hosts: Map<string, HostFiles>;
  /** Signs one more host. */
  sign(name: string, cidr: string, extra?: string[]): HostFiles;
  dispose(): void;
}

/** Why nebula tests must skip here, or undefined when nebula-cert is available. */
export function nebulaCertSkipReason(): string | undefined {
  return tryRun('nebula-cert', ['-version'], { timeoutMs: 5000 }) === undefined ? 'nebula-cert is not installed (apt install nebula)' : undefined;
}

/** Why interop tests must skip: nebula or nebula-cert missing. */
export function nebulaSkipReason(): string | undefined {
  return nebulaCertSkipReason() ?? (tryRun('nebula', ['-version'], { timeoutMs: 5000 }) === undefined ? 'nebula is not installed (apt install nebula)' : undefined);
}

/** Makes a CA (48 h) and signs `hosts` ([name, "198.19.x.y/16"]). */
export function makePki(hosts: readonly [string, string][], caName = 'tio-test-ca'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'tio-pki-'));
  const caCrt = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  execFileSync('nebula-cert', ['ca', '-name', caName, '-duration', '48h', '-out-crt', caCrt, '-out-key', caKey]);
  const map = new Map<string, HostFiles>();
  const sign = (name: string, cidr: string, extra: string[] = []): HostFiles => {
    const crt = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    execFileSync('nebula-cert', ['sign', '-name', name, '-ip', cidr, '-ca-crt', caCrt, '-ca-key', caKey, '-out-crt', crt, '-out-key', key, ...extra]);
    const h = { name, ip: cidr.split('/')[0]!, crt, key };
    map.set(name, h);
    return h;
  };
  for (const [name, cidr] of hosts) sign(name, cidr);
  return { dir, caCrt, caKey, hosts: map, sign, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
