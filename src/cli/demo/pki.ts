// A throwaway Nebula PKI made with tio's own certificate code (no nebula-cert
// needed): an Ed25519 CA and X25519 host certificates it signs, written as the
// PEM files a Nebula 1.6.1 config points at. Shaped as nebula-cert makes them:
// a host certificate is valid from now until one second before its CA expires.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  certificateToPem, ed25519PrivateKeyToPem, ed25519PublicKey, fingerprint, parseCertNetwork, signCertificate,
  x25519PrivateKeyToPem, type CertDetails, type NebulaCertificate,
  generateX25519KeyPair, type KeyPair,
} from '../../tunnel/internal.js';

/** One host's certificate and key files. */
export interface DemoHost {
  readonly name: string;
  /** Overlay address with prefix, e.g. "198.19.0.1/16". */
  readonly cidr: string;
  readonly crtPath: string;
  readonly keyPath: string;
}

/** The CA certificate file and the hosts it signed. */
export interface DemoPki {
  readonly caPath: string;
  readonly hosts: readonly DemoHost[];
}

/** Writes ca.crt (and ca.key), then NAME.crt/NAME.key per host, into dir; the CA lives `hours` hours. */
export function writeDemoPki(dir: string, hosts: readonly { name: string; cidr: string }[], hours = 24): DemoPki {
  const now = BigInt(Math.floor(Date.now() / 1000));
  // A little slack backwards for clock skew between the two nodes (same machine: none, but harmless).
  const notBefore = now - 60n;
  const notAfter = now + BigInt(hours * 3600);
  const seed = randomBytes(32);
  const caPublic = ed25519PublicKey(seed);
  const caPrivate = new Uint8Array(64);
  caPrivate.set(seed, 0);
  caPrivate.set(caPublic, 32);
  const caDetails: CertDetails = {
    name: 'tio demo CA', ips: [], subnets: [], groups: [], notBefore, notAfter,
    publicKey: caPublic, isCA: true, issuer: new Uint8Array(0),
  };
  const ca = signCertificate(caDetails, caPrivate);
  const caPath = join(dir, 'ca.crt');
  writeFileSync(caPath, certificateToPem(ca));
  writeFileSync(join(dir, 'ca.key'), ed25519PrivateKeyToPem(caPrivate), { mode: 0o600 });
  const out: DemoHost[] = [];
  for (const h of hosts) {
    const { cert, keys } = signHost(ca, caPrivate, h.name, h.cidr, now);
    const crtPath = join(dir, `${h.name}.crt`);
    const keyPath = join(dir, `${h.name}.key`);
    writeFileSync(crtPath, certificateToPem(cert));
    writeFileSync(keyPath, x25519PrivateKeyToPem(keys.privateKey), { mode: 0o600 });
    out.push({ name: h.name, cidr: h.cidr, crtPath, keyPath });
  }
  return { caPath, hosts: out };
}

/** A host certificate and the X25519 key pair behind it. */
export interface SignedHost {
  readonly cert: NebulaCertificate;
  readonly keys: KeyPair;
}

/**
 * Signs a host certificate for `name` at `cidr` (e.g. "198.19.0.2/16") with a fresh X25519 key,
 * valid from `notBefore` (Unix seconds) until one second before `ca` expires, as nebula-cert
 * makes them; `caKey` is the CA's 64-byte Ed25519 key (seed || public).
 */
export function signHost(ca: NebulaCertificate, caKey: Uint8Array, name: string, cidr: string, notBefore: bigint): SignedHost {
  const keys = generateX25519KeyPair();
  const cert = signCertificate({
    name, ips: [parseCertNetwork(cidr)], subnets: [], groups: [], notBefore, notAfter: ca.details.notAfter - 1n,
    publicKey: keys.publicKey, isCA: false, issuer: fingerprint(ca),
  }, caKey);
  return { cert, keys };
}
