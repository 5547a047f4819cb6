// Errors of the Noise handshake. Every failure on bytes from the network is a
// NoiseError, so the caller can drop the packet and keep its state.
import { TioError } from '../../errors.js';

/** Why a Noise operation failed. */
export type NoiseErrorReason =
  | 'truncated' // a handshake message shorter than its fixed part
  | 'decrypt-failed' // AEAD authentication failed (tampering, wrong cipher, wrong keys)
  | 'bad-key' // a key of the wrong length, or a DH that yields the all-zero output (low-order point)
  | 'bad-state' // a handshake method called out of order or twice
  | 'bad-argument'; // an option or argument that is not acceptable

/** A handshake or AEAD step failed; `reason` says why. */
export class NoiseError extends TioError {
  /** Machine-readable cause. */
  readonly reason: NoiseErrorReason;
  constructor(reason: NoiseErrorReason, detail: string) {
    super('ERR_TIO_NOISE', `noise ${reason}: ${detail}`);
    this.reason = reason;
  }
}

/** Why a NebulaHandshake payload could not be decoded. */
export type HandshakePayloadErrorReason =
  | 'malformed' // not valid protobuf for NebulaHandshake
  | 'no-details'; // field 1 (Details) absent: nebula drops such messages too (handshake_ix.go)

/** The handshake payload protobuf is unusable; `reason` says why. */
export class HandshakePayloadError extends TioError {
  /** Machine-readable cause. */
  readonly reason: HandshakePayloadErrorReason;
  constructor(reason: HandshakePayloadErrorReason, detail: string) {
    super('ERR_TIO_HANDSHAKE_PAYLOAD', `handshake payload ${reason}: ${detail}`);
    this.reason = reason;
  }
}
