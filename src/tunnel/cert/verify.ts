// Peer certificate validation, the checks of cert.go Verify and CheckRootConstrains
// in nebula 1.6.1's order (docs/PROTOCOL.md "Certificate validation"). The first failing check decides the reason.
import type { CaEntry, CaPool } from './ca-pool.js';
import type { NebulaCertificate } from './certificate.js';
import { CertError } from './errors.js';
import { formatSeconds, isExpired } from './expiry.js';
import { fingerprintHex } from './fingerprint.js';
import { formatCertNetwork, networkAllows, type CertNetwork } from './network.js';
import { checkSignature } from './signature.js';

/** A certificate that passed verification, with what logs and the firewall need. */
export interface VerifiedCertificate {
  /** The certificate. */
  readonly cert: NebulaCertificate;
  /** Its fingerprint, lowercase hex. */
  readonly fingerprint: string;
  /** The CA that signed it (its name and fingerprint feed firewall ca_name / ca_sha). */
  readonly ca: CaEntry;
}

/** What the cheap checks of a certificate found: its fingerprint and the CA that names it. */
export interface PrecheckedCertificate {
  /** Fingerprint, lowercase hex. */
  readonly fingerprint: string;
  /** The CA named by the certificate's issuer. */
  readonly ca: CaEntry;
}

/**
 * The checks of verifyCertificate that cost no signature: (1) not blocklisted, (2) issuer CA loaded,
 * (3) CA not expired, (4) cert not expired. Throws CertError on the first failure. A node runs these
 * on an unauthenticated msg1 before it spends a signature check or a curve operation on it.
 */
export function precheckCertificate(cert: NebulaCertificate, pool: CaPool, now: Date = new Date()): PrecheckedCertificate {
  const d = cert.details;
  const fingerprint = fingerprintHex(cert);
  if (pool.isBlocklisted(fingerprint)) throw new CertError('blocklisted', `certificate "${d.name}" (${fingerprint}) has been blocked`);
  const ca = pool.caFor(cert);
  const cad = ca.cert.details;
  if (isExpired(cad, now)) throw new CertError('ca-expired', `root certificate "${cad.name}" is expired`);
  if (isExpired(d, now)) {
    throw new CertError('expired', `certificate "${d.name}" is valid from ${formatSeconds(d.notBefore)} to ${formatSeconds(d.notAfter)}, not at ${now.toISOString()}`);
  }
  return { fingerprint, ca };
}

/**
 * Verifies `cert` against `pool` at `now`, in nebula's order: (1) not blocklisted, (2) issuer CA
 * loaded, (3) CA not expired, (4) cert not expired, (5) signature, (6) validity within the CA's,
 * (7) groups within the CA's, (8) Ips, then Subnets, within the CA's. Throws CertError on the first failure.
 * A signature the pool already saw verify (same fingerprint) is not checked again.
 */
export function verifyCertificate(cert: NebulaCertificate, pool: CaPool, now: Date = new Date()): VerifiedCertificate {
  const d = cert.details;
  const { fingerprint, ca } = precheckCertificate(cert, pool, now);
  const cad = ca.cert.details;
  if (!pool.signatureKnownGood(fingerprint)) {
    if (!checkSignature(cert, cad.publicKey)) throw new CertError('bad-signature', `certificate "${d.name}" signature did not match CA "${cad.name}"`);
    pool.rememberGoodSignature(fingerprint);
  }
  if (cad.notAfter < d.notAfter) throw new CertError('validity-outside-ca', `certificate "${d.name}" expires after signing certificate "${cad.name}"`);
  if (cad.notBefore > d.notBefore) throw new CertError('validity-outside-ca', `certificate "${d.name}" is valid before signing certificate "${cad.name}"`);
  if (cad.groups.length > 0) {
    const allowed = new Set(cad.groups);
    const extra = d.groups.find((g) => !allowed.has(g));
    if (extra !== undefined) {
      throw new CertError('groups-outside-ca', `certificate "${d.name}" contained a group not present on the signing ca: ${extra}`);
    }
  }
  const badIp = outside(d.ips, cad.ips);
  if (badIp !== undefined) {
    throw new CertError('ip-outside-ca', `certificate "${d.name}" contained an ip assignment outside the limitations of the signing ca: ${formatCertNetwork(badIp)}`);
  }
  const badSubnet = outside(d.subnets, cad.subnets);
  if (badSubnet !== undefined) {
    throw new CertError('subnet-outside-ca', `certificate "${d.name}" contained a subnet assignment outside the limitations of the signing ca: ${formatCertNetwork(badSubnet)}`);
  }
  return { cert, fingerprint, ca };
}

// First network not allowed by any CA network; none when the CA sets no limit.
function outside(networks: readonly CertNetwork[], caNetworks: readonly CertNetwork[]): CertNetwork | undefined {
  if (caNetworks.length === 0) return undefined;
  return networks.find((n) => !caNetworks.some((c) => networkAllows(c, n)));
}
