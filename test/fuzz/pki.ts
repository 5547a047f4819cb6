// An in-process Nebula PKI for the fuzz targets (no nebula-cert needed): a CA
// with an Ed25519 key, hosts with X25519 keys, certificates signed with our
// own cert code. The interop of that code with nebula-cert is tested elsewhere.
import { randomBytes } from 'node:crypto';
import {
  CaPool, ed25519PublicKey, fingerprint, parseCertNetwork, signCertificate, type CertDetails, type NebulaCertificate,
} from '../../src/tunnel/cert/index.js';
import { generateX25519KeyPair, type KeyPair } from '../../src/tunnel/noise/index.js';

/** A host: its certificate and the X25519 key pair behind it. */
export interface FuzzHost {
  readonly cert: NebulaCertificate;
  readonly keys: KeyPair;
}

/** A CA, its pool and a signer for hosts. */
export interface FuzzPki {
  readonly ca: NebulaCertificate;
  /** 64-byte Go form: seed || public. */
  readonly caKey: Uint8Array;
  readonly pool: CaPool;
  host(name: string, cidr: string, opts?: { groups?: string[]; notBefore?: bigint; notAfter?: bigint }): FuzzHost;
}

const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000));

/** A CA valid from an hour ago for a day, limited to 198.19.0.0/16 and groups a, b. */
export function makeFuzzPki(): FuzzPki {
  const seed = new Uint8Array(randomBytes(32));
  const pub = ed25519PublicKey(seed);
  const caKey = new Uint8Array(64);
  caKey.set(seed);
  caKey.set(pub, 32);
  const now = nowSeconds();
  const caDetails: CertDetails = {
    name: 'fuzz-ca', ips: [parseCertNetwork('198.19.0.0/16')], subnets: [], groups: ['a', 'b'],
    notBefore: now - 3600n, notAfter: now + 86400n, publicKey: pub, isCA: true, issuer: new Uint8Array(0),
  };
  const ca = signCertificate(caDetails, caKey);
  const pool = new CaPool();
  pool.add(ca);
  const issuer = fingerprint(ca);
  return {
    ca, caKey, pool,
    host(name, cidr, opts = {}) {
      const keys = generateX25519KeyPair();
      const details: CertDetails = {
        name, ips: [parseCertNetwork(cidr)], subnets: [], groups: opts.groups ?? ['a'],
        notBefore: opts.notBefore ?? now - 60n, notAfter: opts.notAfter ?? now + 86000n,
        publicKey: keys.publicKey, isCA: false, issuer,
      };
      return { cert: signCertificate(details, caKey), keys };
    },
  };
}

/** Low-order X25519 points (libsodium's blocklist): a DH with any of them gives all zeros or is refused. */
export const LOW_ORDER_POINTS: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
