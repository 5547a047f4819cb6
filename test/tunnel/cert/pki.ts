// Test PKI made by the real nebula-cert 1.6.1 in a temporary directory, so the
// parser is checked against what nebula itself writes. Tests skip with the
// reason below when nebula-cert is not installed (CI installs it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, before } from 'node:test';
import { join } from 'node:path';

/** Runs a command with a time limit and returns stdout; the error message carries its stderr. */
function run(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr || String(e)}`);
  }
}

function tryRun(cmd: string, args: readonly string[]): string | undefined {
  try {
    return run(cmd, args);
  } catch {
    return undefined;
  }
}

/** Why nebula-cert tests must skip, or undefined when nebula-cert runs here. */
export const nebulaCertSkip: string | undefined =
  tryRun('nebula-cert', ['-version']) === undefined ? 'nebula-cert is not installed (apt install nebula)' : undefined;

/** A certificate and key pair as files and as their PEM text. */
export interface PkiFiles {
  /** Path of the certificate. */
  readonly crtPath: string;
  /** Path of the private key. */
  readonly keyPath: string;
  /** Certificate PEM text. */
  readonly crt: string;
  /** Private key PEM text. */
  readonly key: string;
}

/** A temporary directory of nebula-cert output; remove() deletes it. */
export class TestPki {
  /** The directory. */
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'tio-pki-'));
  }

  /** `nebula-cert ca -name <name> -duration <duration> [extra flags]`. */
  ca(name: string, extra: readonly string[] = [], duration = '48h'): PkiFiles {
    const f = this.paths(name);
    run('nebula-cert', ['ca', '-name', name, '-duration', duration, '-out-crt', f.crtPath, '-out-key', f.keyPath, ...extra]);
    return this.read(f);
  }

  /** `nebula-cert sign -name <name> -ip <ip> -ca-crt .. -ca-key .. [extra flags]`. */
  sign(ca: PkiFiles, name: string, ip: string, extra: readonly string[] = []): PkiFiles {
    const f = this.paths(name);
    run('nebula-cert', ['sign', '-name', name, '-ip', ip, '-ca-crt', ca.crtPath, '-ca-key', ca.keyPath, '-out-crt', f.crtPath, '-out-key', f.keyPath, ...extra]);
    return this.read(f);
  }

  /** `nebula-cert print -json -path <crt>`, parsed. */
  printJson(files: PkiFiles): { fingerprint: string; signature: string; details: { issuer: string; publicKey: string; ips: string[]; groups: string[] } } {
    return JSON.parse(run('nebula-cert', ['print', '-json', '-path', files.crtPath])) as ReturnType<TestPki['printJson']>;
  }

  /** `nebula-cert keygen`: an X25519 key pair as PEM texts. */
  keygen(name: string): { key: string; pub: string } {
    const key = join(this.dir, `${name}.key`);
    const pub = join(this.dir, `${name}.pub`);
    run('nebula-cert', ['keygen', '-out-key', key, '-out-pub', pub]);
    return { key: readFileSync(key, 'utf8'), pub: readFileSync(pub, 'utf8') };
  }

  /** Deletes the directory. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private paths(name: string): { crtPath: string; keyPath: string } {
    return { crtPath: join(this.dir, `${name}.crt`), keyPath: join(this.dir, `${name}.key`) };
  }

  private read(p: { crtPath: string; keyPath: string }): PkiFiles {
    return { ...p, crt: readFileSync(p.crtPath, 'utf8'), key: readFileSync(p.keyPath, 'utf8') };
  }
}

/** Lowercase hex of bytes. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The body bytes of the first PEM block, decoded independently of the code under test. */
export function pemBody(pem: string): Uint8Array {
  const lines = pem.trim().split('\n');
  const end = lines.findIndex((l) => l.startsWith('-----END'));
  return new Uint8Array(Buffer.from(lines.slice(1, end).join(''), 'base64'));
}

/** The common fixture: CA "t-ca", hosts "a" (two groups) and "b", and an unrelated CA "other-ca". */
export interface StandardPki {
  /** The directory, removed by {@link TestPki.remove}. */
  readonly pki: TestPki;
  /** CA t-ca, 48 h. */
  readonly ca: PkiFiles;
  /** Host a: 198.19.0.1/16, groups g1,g2, signed by t-ca. */
  readonly a: PkiFiles;
  /** Host b: 198.19.0.2/16, signed by t-ca. */
  readonly b: PkiFiles;
  /** A second CA that signed nothing here. */
  readonly other: PkiFiles;
}

/** Makes the common fixture with nebula-cert. */
export function standardPki(): StandardPki {
  const pki = new TestPki();
  const ca = pki.ca('t-ca');
  return {
    pki,
    ca,
    a: pki.sign(ca, 'a', '198.19.0.1/16', ['-groups', 'g1,g2']),
    b: pki.sign(ca, 'b', '198.19.0.2/16'),
    other: pki.ca('other-ca'),
  };
}

/**
 * The common fixture for a whole test file: made before the first test (unless
 * nebula-cert is missing; tests then skip with nebulaCertSkip) and removed after
 * the last. The returned object is filled in place, so tests read it directly.
 */
export function useStandardPki(): StandardPki {
  const fixture = {} as StandardPki;
  before(() => {
    if (!nebulaCertSkip) Object.assign(fixture, standardPki());
  });
  after(() => fixture.pki?.remove());
  return fixture;
}
