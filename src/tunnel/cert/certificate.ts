// The parsed form of a nebula 1.6.1 certificate (cert.proto RawNebulaCertificate;
// docs/PROTOCOL.md "Certificate encoding"). Plain data: marshal it with marshalCertificate.
import type { CertNetwork } from './network.js';

/** RawNebulaCertificateDetails, fields 1..9. */
export interface CertDetails {
  /** 1 Name. */
  readonly name: string;
  /** 2 Ips: the host's VPN addresses; Ips[0] with its mask is the tun address and network. */
  readonly ips: readonly CertNetwork[];
  /** 3 Subnets: unsafe-route networks the host may originate traffic from. */
  readonly subnets: readonly CertNetwork[];
  /** 4 Groups, in certificate order. */
  readonly groups: readonly string[];
  /** 5 NotBefore, Unix seconds (int64). */
  readonly notBefore: bigint;
  /** 6 NotAfter, Unix seconds (int64). */
  readonly notAfter: bigint;
  /** 7 PublicKey: X25519 for hosts, Ed25519 for CAs; empty in a handshake cert before recombination. */
  readonly publicKey: Uint8Array;
  /** 8 IsCA. */
  readonly isCA: boolean;
  /** 9 Issuer: SHA-256 fingerprint of the signing CA; empty on a self-signed CA. */
  readonly issuer: Uint8Array;
}

/** RawNebulaCertificate: details and the Ed25519 signature over their marshalled bytes. */
export interface NebulaCertificate {
  /** 1 Details. */
  readonly details: CertDetails;
  /** 2 Signature (64 bytes from nebula-cert). */
  readonly signature: Uint8Array;
}
