// Which native path a data-path AEAD runs on by default, and how a user picks
// another without touching code. Every path is Node's OpenSSL: the default
// (auto, also named openssl) calls the provider's cipher functions directly,
// TIO_AEAD_IMPL=evp goes through the EVP layer (slower; for comparison).
import { AEAD_PATH, native, type AeadHandle, type AeadPath } from '../../native.js';
import { CIPHERS, type CipherName } from './cipher.js';
import { AeadError } from './errors.js';

/** The environment variable read by defaultAeadPath(). */
export const AEAD_IMPL_ENV = 'TIO_AEAD_IMPL';

/** Values TIO_AEAD_IMPL accepts and the path each selects. */
const CHOICES: Readonly<Record<string, AeadPath>> = { auto: AEAD_PATH.auto, openssl: AEAD_PATH.provider, evp: AEAD_PATH.evp };

/** The path BatchAead uses when none is given: TIO_AEAD_IMPL (auto | openssl | evp), auto if unset or empty. */
export function defaultAeadPath(env: NodeJS.ProcessEnv = process.env): AeadPath {
  const v = env[AEAD_IMPL_ENV];
  if (v === undefined || v === '') return AEAD_PATH.auto;
  const p = Object.hasOwn(CHOICES, v) ? CHOICES[v] : undefined;
  if (p === undefined) {
    throw new AeadError('ERR_TIO_AEAD_IMPL', `${AEAD_IMPL_ENV}=${JSON.stringify(v)} is not one of ${Object.keys(CHOICES).join(', ')}`);
  }
  return p;
}

/** Names of the paths, for logs. */
const PATH_NAMES: Readonly<Record<number, string>> = {
  [AEAD_PATH.evp]: 'openssl-evp',
  [AEAD_PATH.provider]: 'openssl',
};

/** What a new `cipher` context runs on under defaultAeadPath(): 'openssl' or 'openssl-evp'. */
export function aeadImplementation(cipher: CipherName): string {
  const h = native.aeadCreate(CIPHERS[cipher].nativeId, new Uint8Array(32), true, defaultAeadPath());
  if (typeof h === 'number') return 'unavailable';
  const name = PATH_NAMES[native.aeadPath(h as AeadHandle)] ?? 'unknown';
  native.aeadFree(h as AeadHandle);
  return name;
}
