// The set of trusted CAs (pki.ca) and the fingerprint blocklist (pki.blocklist),
// as cert/ca.go NebulaCAPool: a CA must be IsCA and self-signed to load; an
// expired CA still loads (nebula only warns) but verification refuses what it signed.
import type { NebulaCertificate } from './certificate.js';
import { parseCertificatesPem } from './codec.js';
import { CertError } from './errors.js';
import { isExpired } from './expiry.js';
import { fingerprintHex } from './fingerprint.js';
import { checkSignature } from './signature.js';

/** A loaded CA and its fingerprint. */
export interface CaEntry {
  /** The CA certificate. */
  readonly cert: NebulaCertificate;
  /** Its fingerprint, lowercase hex. */
  readonly fingerprint: string;
}

/**
 * Certificates whose signature a pool remembers as verified. A peer's certificate comes in every
 * msg1 it sends; 4096 covers a large network's members while bounding what a flood can make us keep.
 */
const SIGNATURE_CACHE_MAX = 4096;

/** Trusted CAs keyed by fingerprint, plus blocklisted certificate fingerprints. */
export class CaPool {
  private readonly cas = new Map<string, CaEntry>();
  private readonly blocked = new Set<string>();
  // Fingerprints (SHA-256 over details and signature) whose Ed25519 signature verified; insertion order = age.
  private readonly goodSignatures = new Set<string>();

  /** A pool with every CA of a PEM text (one or many certificates back to back); see {@link add}. */
  static fromPem(pem: string | Uint8Array): CaPool {
    const pool = new CaPool();
    pool.addPem(pem);
    return pool;
  }

  /** Adds every certificate of a PEM text as a CA; nothing is added if one of them is refused. */
  addPem(pem: string | Uint8Array): CaEntry[] {
    const certs = parseCertificatesPem(pem);
    const entries = certs.map((c) => checkCa(c));
    for (const e of entries) this.cas.set(e.fingerprint, e);
    return entries;
  }

  /** Adds a CA: CertError 'not-ca' unless IsCA, 'not-self-signed' unless its signature verifies under its own key. */
  add(cert: NebulaCertificate): CaEntry {
    const entry = checkCa(cert);
    this.cas.set(entry.fingerprint, entry);
    return entry;
  }

  /** The CA with this fingerprint (hex, any case). */
  get(fingerprint: string): CaEntry | undefined {
    return this.cas.get(fingerprint.toLowerCase());
  }

  /** The CA named by the certificate's Issuer: CertError 'no-issuer' or 'unknown-ca' otherwise (ca.go GetCAForCert). */
  caFor(cert: NebulaCertificate): CaEntry {
    if (cert.details.issuer.length === 0) throw new CertError('no-issuer', `certificate "${cert.details.name}" has no issuer`);
    const issuer = Buffer.from(cert.details.issuer).toString('hex');
    const ca = this.cas.get(issuer);
    if (ca === undefined) throw new CertError('unknown-ca', `could not find ca ${issuer} for certificate "${cert.details.name}"`);
    return ca;
  }

  /** Fingerprints of the loaded CAs. */
  fingerprints(): string[] {
    return [...this.cas.keys()];
  }

  /** Number of loaded CAs. */
  get size(): number {
    return this.cas.size;
  }

  /** Loaded CAs that are expired at `now`; nebula logs a warning for these at startup. */
  expired(now: Date = new Date()): CaEntry[] {
    return [...this.cas.values()].filter((e) => isExpired(e.cert.details, now));
  }

  /** Blocklists a certificate fingerprint (hex, any case), as a pki.blocklist entry. */
  blocklist(fingerprint: string): void {
    this.blocked.add(fingerprint.toLowerCase());
  }

  /** Empties the blocklist (config reload). */
  resetBlocklist(): void {
    this.blocked.clear();
  }

  /**
   * True when a certificate with this fingerprint (lowercase hex) already passed its signature check
   * against this pool. The fingerprint hashes the details (issuer included) and the signature, so equal
   * fingerprints are the same signed bytes under the same CA.
   */
  signatureKnownGood(fingerprint: string): boolean {
    return this.goodSignatures.has(fingerprint);
  }

  /** Remembers that the certificate with this fingerprint (lowercase hex) has a good signature; the oldest entry goes beyond the bound. */
  rememberGoodSignature(fingerprint: string): void {
    if (this.goodSignatures.has(fingerprint)) return;
    if (this.goodSignatures.size >= SIGNATURE_CACHE_MAX) {
      const oldest = this.goodSignatures.values().next().value;
      if (oldest !== undefined) this.goodSignatures.delete(oldest);
    }
    this.goodSignatures.add(fingerprint);
  }

  /** True when the fingerprint (hex, any case) is blocklisted. */
  isBlocklisted(fingerprint: string): boolean {
    return this.blocked.has(fingerprint.toLowerCase());
  }
}

function checkCa(cert: NebulaCertificate): CaEntry {
  if (!cert.details.isCA) throw new CertError('not-ca', `"${cert.details.name}" is not a CA certificate`);
  if (!checkSignature(cert, cert.details.publicKey)) {
    throw new CertError('not-self-signed', `CA "${cert.details.name}" is not self-signed`);
  }
  return { cert, fingerprint: fingerprintHex(cert) };
}
