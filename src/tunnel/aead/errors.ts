// Errors of the AEAD layer. A packet that fails authentication is not an
// error (its out[i] is -1); only misuse of a key, a batch or a closed context is.
import { TioError } from '../../errors.js';

/** Stable codes of AeadError. */
export type AeadErrorCode =
  /** The cipher name is not one nebula 1.6.1 accepts ('aes' or 'chachapoly'). */
  | 'ERR_TIO_AEAD_CIPHER'
  /** The key is not 32 bytes. */
  | 'ERR_TIO_AEAD_KEY'
  /** A packet of the batch lies outside its buffer; nothing was touched. */
  | 'ERR_TIO_AEAD_RANGE'
  /** A packet's source range partially overlaps its destination (identical, i.e. in place, is fine); nothing was touched. */
  | 'ERR_TIO_AEAD_OVERLAP'
  /** The batch is full, or was filled in a way its mode does not allow. */
  | 'ERR_TIO_AEAD_BATCH'
  /** seal() on an opening context or open() on a sealing one. */
  | 'ERR_TIO_AEAD_DIRECTION'
  /** The context was closed. */
  | 'ERR_TIO_AEAD_CLOSED'
  /** TIO_AEAD_IMPL names no implementation. */
  | 'ERR_TIO_AEAD_IMPL'
  /** OpenSSL failed for a reason other than authentication (not expected). */
  | 'ERR_TIO_AEAD_CRYPTO';

/** Misuse of the AEAD layer; `code` says which kind. */
export class AeadError extends TioError {
  declare readonly code: AeadErrorCode;
  constructor(code: AeadErrorCode, message: string) {
    super(code, message);
  }
}
