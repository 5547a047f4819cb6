// Errors of certificate parsing and validation. Reasons mirror the checks of
// nebula 1.6.1 (cert.go Verify, CheckRootConstrains; ca.go; pki.go), one per failure.
import { TioError } from '../../errors.js';

/** Why a certificate, key or CA pool was refused. */
export type CertErrorReason =
  | 'bad-pem' // no PEM block, broken armour or base64, trailing garbage
  | 'wrong-banner' // a PEM block of another type than expected
  | 'malformed' // bad protobuf, no Details, odd Ips/Subnets count, PublicKey < 32 bytes
  | 'bad-key' // a key of the wrong length or an inconsistent Ed25519 key
  | 'blocklisted' // fingerprint is in pki.blocklist
  | 'no-issuer' // the certificate has no Issuer
  | 'unknown-ca' // no loaded CA has the Issuer fingerprint
  | 'ca-expired' // the signing CA is expired at `now`
  | 'expired' // the certificate is not valid at `now` (before NotBefore or after NotAfter)
  | 'bad-signature' // the Ed25519 signature does not verify under the CA key
  | 'validity-outside-ca' // NotBefore/NotAfter not within the CA's
  | 'groups-outside-ca' // a group the CA does not list
  | 'ip-outside-ca' // an IP outside every CA Ips network with an equal or longer mask
  | 'subnet-outside-ca' // a subnet outside every CA Subnets network with an equal or longer mask
  | 'not-ca' // loading a CA that is not marked IsCA
  | 'not-self-signed' // loading a CA whose signature does not verify under its own key
  | 'no-ips' // own certificate without an IP
  | 'bad-mask' // own certificate whose first IP mask is not a prefix
  | 'key-mismatch' // private key does not belong to the certificate's PublicKey
  | 'bad-argument'; // an argument that is not usable (e.g. an invalid Date)

/** A certificate, key or CA was refused; `reason` says why. */
export class CertError extends TioError {
  /** Machine-readable cause. */
  readonly reason: CertErrorReason;
  constructor(reason: CertErrorReason, detail: string) {
    super('ERR_TIO_CERT', `certificate ${reason}: ${detail}`);
    this.reason = reason;
  }
}
