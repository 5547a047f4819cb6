/** The node's PKI: CA pool, own certificate and key, loaded from config strings (path or inline PEM). */
import { readFileSync } from 'node:fs';
import {
  CaPool, CertError, checkOwnCertificate, parseCertificatePem, parseX25519PrivateKeyPem, type NebulaCertificate,
} from '../cert/index.js';
import type { AddressSet, PeerIdentity } from '../firewall/index.js';
import type { VerifiedCertificate } from '../cert/index.js';
import { TioError } from '../../errors.js';

/** Where the PKI comes from: each value a file path or inline PEM (contains "-----BEGIN", as nebula decides). */
export interface PkiSource {
  ca: string;
  cert: string;
  key: string;
  /** Hex fingerprints of certificates to refuse. */
  blocklist?: readonly string[];
}

/** A loaded, checked PKI. */
export interface Pki {
  pool: CaPool;
  cert: NebulaCertificate;
  /** X25519 private key (the Noise static key). */
  privateKey: Uint8Array;
  /** X25519 public key from the certificate. */
  publicKey: Uint8Array;
  /** Overlay address (cert Ips[0]) as a u32. */
  vpnIp: number;
  /** Prefix length of Ips[0]: the overlay network of the tun device. */
  prefix: number;
  /** What the firewall treats as ours. */
  local: AddressSet;
}

/** PKI loading failed; the message names the config field. */
export class PkiError extends TioError {
  constructor(field: string, detail: string) {
    super('ERR_TIO_PKI', `config ${field}: ${detail}`);
  }
}

function material(field: string, value: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (e) {
    throw new PkiError(field, `cannot read ${value}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function wrap<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CertError) throw new PkiError(field, e.message);
    throw e;
  }
}

/** Loads and checks the PKI as nebula does at startup (docs/PROTOCOL.md "Certificate validation", own cert). */
export function loadPki(src: PkiSource, now: Date = new Date()): Pki {
  const pool = wrap('pki.ca', () => CaPool.fromPem(material('pki.ca', src.ca)));
  // nebula loads expired CAs with a warning but refuses a file in which every CA has expired (cert.go).
  if (pool.size > 0 && pool.expired(now).length >= pool.size) throw new PkiError('pki.ca', 'no valid CA certificates present: every CA in the file has expired');
  for (const fp of src.blocklist ?? []) pool.blocklist(fp.toLowerCase());
  const cert = wrap('pki.cert', () => parseCertificatePem(material('pki.cert', src.cert)));
  const privateKey = wrap('pki.key', () => parseX25519PrivateKeyPem(material('pki.key', src.key)));
  wrap('pki.cert', () => checkOwnCertificate(cert, privateKey, now));
  wrap('pki.cert', () => pool.caFor(cert));
  const first = cert.details.ips[0]!;
  return {
    pool, cert, privateKey, publicKey: cert.details.publicKey, vpnIp: first.ipU32, prefix: first.prefix ?? 32,
    local: { ips: cert.details.ips.map((n) => n.ipU32), subnets: cert.details.subnets.map((n) => ({ addr: n.ipU32 & n.maskU32, mask: n.maskU32 })) },
  };
}

/** The firewall's view of a verified peer certificate. */
export function peerIdentity(v: VerifiedCertificate): PeerIdentity {
  const d = v.cert.details;
  return {
    name: d.name,
    groups: d.groups,
    ips: d.ips.map((n) => n.ipU32),
    subnets: d.subnets.map((n) => ({ addr: n.ipU32 & n.maskU32, mask: n.maskU32 })),
    caName: v.ca.cert.details.name,
    caSha: v.ca.fingerprint,
  };
}
