// Checks shared by both AEAD implementations before a key is used.
import { CIPHERS, type CipherName } from './cipher.js';
import { KEY_LEN } from './constants.js';
import { AeadError } from './errors.js';
import type { AeadDirection } from './types.js';

/** Throws AeadError unless cipher, key and direction are usable. */
export function checkKeyArgs(cipher: CipherName, key: Uint8Array, direction: AeadDirection): void {
  if (!Object.hasOwn(CIPHERS, cipher)) throw new AeadError('ERR_TIO_AEAD_CIPHER', `unknown cipher ${JSON.stringify(cipher)}; use 'aes' or 'chachapoly'`);
  if (!(key instanceof Uint8Array) || key.length !== KEY_LEN) {
    throw new AeadError('ERR_TIO_AEAD_KEY', `an AEAD key is ${KEY_LEN} bytes (a Noise Split() output), got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
  if (direction !== 'seal' && direction !== 'open') throw new AeadError('ERR_TIO_AEAD_DIRECTION', `direction must be 'seal' or 'open', got ${JSON.stringify(direction)}`);
}

/** The error for calling `op` on a context made for the other direction. */
export function directionError(op: AeadDirection): AeadError {
  return new AeadError('ERR_TIO_AEAD_DIRECTION', `${op}() on a context created for ${op === 'seal' ? 'open' : 'seal'}; nebula keys are one-directional, create one context per direction`);
}

/** The error for using a closed context. */
export function closedError(): AeadError {
  return new AeadError('ERR_TIO_AEAD_CLOSED', 'AEAD context is closed');
}
