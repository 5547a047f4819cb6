// `pki` (docs/PROTOCOL.md "Certificate PEM blocks", "Config keys and defaults"): keep the three credentials as written plus the inline flag;
// reading files and parsing PEM is the certificate module's job.
import type { ConfigMap, ConfigReader } from '../reader.js';
import { childPath, indexPath, show } from '../reader.js';
import type { PemSource, PkiConfig } from '../types.js';

const KEYS = ['ca', 'cert', 'key', 'blocklist', 'blacklist', 'disconnect_invalid'] as const;
/** A certificate fingerprint: SHA-256 in hex (docs/PROTOCOL.md "Signature and fingerprint"). */
const FINGERPRINT = /^[0-9a-f]{64}$/;

/** A required credential: path or inline PEM (nebula: inline iff it contains "-----BEGIN"). */
function pem(r: ConfigReader, m: ConfigMap, key: string, path: string): PemSource {
  const value = r.string(m, key, path, null);
  if (value === null) r.fail(childPath(path, key), 'required: a file path or inline PEM');
  return { value, inline: value.includes('-----BEGIN') };
}

/** Fingerprints from one list key, lower-cased and checked. */
function fingerprints(r: ConfigReader, m: ConfigMap, key: string, path: string): string[] {
  const p = childPath(path, key);
  return r.list(m[key], p).map((v, i) => {
    const fp = r.stringValue(v, indexPath(p, i)).trim().toLowerCase();
    if (!FINGERPRINT.test(fp)) r.fail(indexPath(p, i), `must be a certificate fingerprint (64 hex digits), got ${show(v)}`);
    return fp;
  });
}

/** Reads `pki`. */
export function readPki(r: ConfigReader, value: unknown): PkiConfig {
  const path = 'pki';
  if (value === undefined || value === null) r.fail('pki.ca', 'required: the pki section with ca, cert and key is missing');
  const m = r.map(value, path, KEYS);
  const blocklist = fingerprints(r, m, 'blocklist', path);
  if (m.blacklist !== undefined && m.blacklist !== null) {
    r.warn('pki.blacklist', 'deprecated name of pki.blocklist; its entries are added to the blocklist');
    blocklist.push(...fingerprints(r, m, 'blacklist', path));
  }
  return {
    ca: pem(r, m, 'ca', path),
    cert: pem(r, m, 'cert', path),
    key: pem(r, m, 'key', path),
    blocklist,
    disconnectInvalid: r.bool(m, 'disconnect_invalid', path, false),
  };
}
