// The two data ciphers nebula 1.6.1 knows, by their config name (`cipher:`,
// docs/PROTOCOL.md "Config keys and defaults"), with what each layer calls them.
import { AeadError } from './errors.js';

/** A `cipher` value of a nebula config. */
export type CipherName = 'aes' | 'chachapoly';

/** How one cipher is named and parameterised across the layers. */
export interface CipherInfo {
  /** Config name. */
  readonly name: CipherName;
  /** Cipher id of native aeadCreate (native/aead.c). */
  readonly nativeId: 0 | 1;
  /** node:crypto algorithm name. */
  readonly nodeName: 'aes-256-gcm' | 'chacha20-poly1305';
  /** Noise cipher name inside the protocol name, e.g. Noise_IX_25519_AESGCM_SHA256 (docs/PROTOCOL.md "Numbers at a glance"). */
  readonly noiseName: 'AESGCM' | 'ChaChaPoly';
  /** Byte order of the counter inside the nonce (docs/PROTOCOL.md "Keys and nonces"). */
  readonly counterOrder: 'big' | 'little';
}

/** Every cipher by config name. */
export const CIPHERS: Readonly<Record<CipherName, CipherInfo>> = {
  aes: { name: 'aes', nativeId: 0, nodeName: 'aes-256-gcm', noiseName: 'AESGCM', counterOrder: 'big' },
  chachapoly: { name: 'chachapoly', nativeId: 1, nodeName: 'chacha20-poly1305', noiseName: 'ChaChaPoly', counterOrder: 'little' },
};

/** Default of nebula 1.6.1 when the config has no `cipher` key (docs/PROTOCOL.md "Config keys and defaults"). */
export const DEFAULT_CIPHER: CipherName = 'aes';

/** Checks a config value; anything but 'aes' or 'chachapoly' is refused, as nebula does ("unknown cipher"). */
export function parseCipher(value: unknown): CipherName {
  if (value === 'aes' || value === 'chachapoly') return value;
  throw new AeadError('ERR_TIO_AEAD_CIPHER', `unknown cipher ${JSON.stringify(value)}; use 'aes' or 'chachapoly', the same on every node`);
}

/** The CipherInfo of a cipher name. */
export function cipherInfo(name: CipherName): CipherInfo {
  return CIPHERS[name];
}
