// Certificate protobuf <-> NebulaCertificate, with the checks of cert.go
// UnmarshalNebulaCertificate, and canonical re-marshalling: nebula signs and
// fingerprints the re-marshalled form (docs/PROTOCOL.md "Signature and fingerprint"), so marshal must
// reproduce nebula-cert's bytes exactly.
import { ProtoReader, ProtoWriter, ProtobufError, WIRE_LEN, WIRE_VARINT } from '../protobuf/index.js';
import type { CertDetails, NebulaCertificate } from './certificate.js';
import { CERT_BANNER, DetailsField, MIN_PUBLIC_KEY_LEN, RawCertField } from './constants.js';
import { CertError } from './errors.js';
import { certNetwork, type CertNetwork } from './network.js';
import { decodePem, encodePem } from './pem.js';

const EMPTY = new Uint8Array(0);

/** Parsing options. */
export interface ParseOptions {
  /**
   * Accept a PublicKey shorter than 32 bytes (absent). Only for handshake certs, which
   * travel without it until the Noise static key is inserted (docs/PROTOCOL.md "Static key and certificate").
   */
  readonly allowMissingPublicKey?: boolean;
}

/** Parses a marshalled RawNebulaCertificate; CertError 'malformed' for anything nebula would refuse to unmarshal. */
export function parseCertificate(bytes: Uint8Array, opts: ParseOptions = {}): NebulaCertificate {
  if (bytes.length === 0) throw new CertError('malformed', 'empty certificate');
  let raw: RawCert;
  try {
    raw = decodeRaw(bytes);
  } catch (e) {
    if (e instanceof ProtobufError) throw new CertError('malformed', e.message);
    throw e;
  }
  const d = raw.details;
  if (d === undefined) throw new CertError('malformed', 'encoded Details was nil');
  if (d.ips.length % 2 !== 0) throw new CertError('malformed', 'encoded IPs should be in pairs, an odd number was found');
  if (d.subnets.length % 2 !== 0) throw new CertError('malformed', 'encoded Subnets should be in pairs, an odd number was found');
  if (!opts.allowMissingPublicKey && d.publicKey.length < MIN_PUBLIC_KEY_LEN) {
    throw new CertError('malformed', `public key was fewer than ${MIN_PUBLIC_KEY_LEN} bytes; ${d.publicKey.length}`);
  }
  return {
    details: {
      name: d.name,
      ips: pairs(d.ips),
      subnets: pairs(d.subnets),
      groups: d.groups,
      notBefore: d.notBefore,
      notAfter: d.notAfter,
      publicKey: Uint8Array.from(d.publicKey),
      isCA: d.isCA,
      issuer: Uint8Array.from(d.issuer),
    },
    signature: Uint8Array.from(raw.signature),
  };
}

/** Canonical RawNebulaCertificateDetails bytes: what the signature covers. */
export function marshalDetails(d: CertDetails): Uint8Array {
  return new ProtoWriter()
    .string(DetailsField.Name, d.name)
    .packedUint32(DetailsField.Ips, flatten(d.ips))
    .packedUint32(DetailsField.Subnets, flatten(d.subnets))
    .repeatedString(DetailsField.Groups, d.groups)
    .int64(DetailsField.NotBefore, d.notBefore)
    .int64(DetailsField.NotAfter, d.notAfter)
    .bytes(DetailsField.PublicKey, d.publicKey)
    .bool(DetailsField.IsCA, d.isCA)
    .bytes(DetailsField.Issuer, d.issuer)
    .finish();
}

/** Canonical RawNebulaCertificate bytes (the PEM body; its SHA-256 is the fingerprint). */
export function marshalCertificate(cert: NebulaCertificate): Uint8Array {
  return new ProtoWriter()
    .message(RawCertField.Details, marshalDetails(cert.details))
    .bytes(RawCertField.Signature, cert.signature)
    .finish();
}

/** The certificate in PEM, as nebula-cert writes it. */
export function certificateToPem(cert: NebulaCertificate): string {
  return encodePem(CERT_BANNER, marshalCertificate(cert));
}

/** Every certificate of a PEM text (e.g. a pki.ca bundle); CertError 'wrong-banner' for a non-certificate block. */
export function parseCertificatesPem(pem: string | Uint8Array): NebulaCertificate[] {
  return decodePem(pem).map((block) => {
    if (block.type !== CERT_BANNER) {
      throw new CertError('wrong-banner', `PEM block "${block.type}" is not a "${CERT_BANNER}"`);
    }
    return parseCertificate(block.bytes);
  });
}

/** The first certificate of a PEM text (e.g. pki.cert); later blocks are ignored, as nebula ignores them. */
export function parseCertificatePem(pem: string | Uint8Array): NebulaCertificate {
  const block = decodePem(pem)[0]!;
  if (block.type !== CERT_BANNER) {
    throw new CertError('wrong-banner', `PEM block "${block.type}" is not a "${CERT_BANNER}"`);
  }
  return parseCertificate(block.bytes);
}

// Protobuf-level view, before the UnmarshalNebulaCertificate checks.
interface RawDetails {
  name: string;
  ips: number[];
  subnets: number[];
  groups: string[];
  notBefore: bigint;
  notAfter: bigint;
  publicKey: Uint8Array;
  isCA: boolean;
  issuer: Uint8Array;
}

interface RawCert {
  details: RawDetails | undefined;
  signature: Uint8Array;
}

function decodeRaw(bytes: Uint8Array): RawCert {
  const r = new ProtoReader(bytes);
  const raw: RawCert = { details: undefined, signature: EMPTY };
  while (!r.done) {
    const tag = r.readTag();
    if (tag.field === RawCertField.Details) {
      r.expectWireType(tag, WIRE_LEN, 'Details');
      // A repeated embedded message merges into the earlier one, as Go's proto.Unmarshal does.
      raw.details ??= emptyDetails();
      decodeDetails(r.readBytes(), raw.details);
    } else if (tag.field === RawCertField.Signature) {
      r.expectWireType(tag, WIRE_LEN, 'Signature');
      raw.signature = r.readBytes();
    } else {
      r.skip(tag);
    }
  }
  return raw;
}

function emptyDetails(): RawDetails {
  return { name: '', ips: [], subnets: [], groups: [], notBefore: 0n, notAfter: 0n, publicKey: EMPTY, isCA: false, issuer: EMPTY };
}

function decodeDetails(bytes: Uint8Array, d: RawDetails): void {
  const r = new ProtoReader(bytes);
  while (!r.done) {
    const tag = r.readTag();
    switch (tag.field) {
      case DetailsField.Name:
        r.expectWireType(tag, WIRE_LEN, 'Name');
        d.name = r.readString();
        break;
      case DetailsField.Ips:
        r.readRepeatedUint32(tag, 'Ips', d.ips);
        break;
      case DetailsField.Subnets:
        r.readRepeatedUint32(tag, 'Subnets', d.subnets);
        break;
      case DetailsField.Groups:
        r.expectWireType(tag, WIRE_LEN, 'Groups');
        d.groups.push(r.readString());
        break;
      case DetailsField.NotBefore:
        r.expectWireType(tag, WIRE_VARINT, 'NotBefore');
        d.notBefore = r.readInt64();
        break;
      case DetailsField.NotAfter:
        r.expectWireType(tag, WIRE_VARINT, 'NotAfter');
        d.notAfter = r.readInt64();
        break;
      case DetailsField.PublicKey:
        r.expectWireType(tag, WIRE_LEN, 'PublicKey');
        d.publicKey = r.readBytes();
        break;
      case DetailsField.IsCA:
        r.expectWireType(tag, WIRE_VARINT, 'IsCA');
        d.isCA = r.readBool();
        break;
      case DetailsField.Issuer:
        r.expectWireType(tag, WIRE_LEN, 'Issuer');
        d.issuer = r.readBytes();
        break;
      default:
        r.skip(tag);
    }
  }
}

function pairs(values: readonly number[]): CertNetwork[] {
  const out: CertNetwork[] = [];
  for (let i = 0; i < values.length; i += 2) out.push(certNetwork(values[i]!, values[i + 1]!));
  return out;
}

function flatten(networks: readonly CertNetwork[]): number[] {
  const out: number[] = [];
  for (const n of networks) out.push(n.ipU32, n.maskU32);
  return out;
}
