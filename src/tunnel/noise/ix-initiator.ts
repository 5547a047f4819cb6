// The initiator side of Noise IX (docs/PROTOCOL.md "Handshake message 1", "Handshake message 2"):
//   -> e, s            (msg1: both keys and the payload in clear, no tag)
//   <- e, ee, se, s, es (msg2: s and payload encrypted, each with nonce 0)
// The 16-byte nebula header is not part of the transcript; the caller prepends
// it to msg1 and strips it from msg2.
import { DH_LEN, MSG2_MIN_LEN, TAG_LEN, type NoiseCipher } from './constants.js';
import { NoiseError } from './errors.js';
import { newEphemeral, resolveIxOptions, type IxOptions, type ResolvedIxOptions } from './ix-options.js';
import type { KeyPair } from './x25519.js';
import { SymmetricState } from './symmetric-state.js';
import { x25519, x25519PublicKeyObject } from './x25519.js';

/** What the initiator learns from msg2. */
export interface IxInitiatorResult {
  /** Responder's handshake payload (NebulaHandshake protobuf). */
  readonly payload: Uint8Array;
  /** Responder's static key: goes into its certificate's PublicKey before verifying (docs/PROTOCOL.md "Static key and certificate"). */
  readonly remoteStatic: Uint8Array;
  /** Initiator -> responder key: the initiator encrypts with it. */
  readonly k1: Uint8Array;
  /** Responder -> initiator key: the initiator decrypts with it. */
  readonly k2: Uint8Array;
  /** Final handshake hash h (channel binding). */
  readonly handshakeHash: Uint8Array;
}

/** Initiator of one IX handshake: writeMessage1 once, then readMessage2 until the caller accepts a result. */
export class IxInitiator {
  /** The negotiated cipher. */
  readonly cipher: NoiseCipher;
  private readonly o: ResolvedIxOptions;
  private readonly e: KeyPair;
  private readonly ss: SymmetricState;
  private stage: 'start' | 'sent' = 'start';

  /** Prepares a handshake; NoiseError 'bad-key' / 'bad-argument' for unusable options. */
  constructor(opts: IxOptions) {
    this.o = resolveIxOptions(opts);
    this.e = newEphemeral(this.o);
    this.cipher = this.o.cipher;
    this.ss = SymmetricState.initialize(this.o.cipher, this.o.prologue);
  }

  /** Our ephemeral public key (the first 32 bytes of msg1). */
  get ephemeralPublicKey(): Uint8Array {
    return Uint8Array.from(this.e.publicKey);
  }

  /**
   * msg1 body: e.pub || s.pub || payload, all in clear (there is no key yet).
   * Call once; retransmit the returned bytes unchanged (docs/PROTOCOL.md "Retries, duplicates and races").
   */
  writeMessage1(payload: Uint8Array): Uint8Array {
    if (this.stage !== 'start') throw new NoiseError('bad-state', 'writeMessage1 called twice; resend the bytes of the first call');
    const ss = this.ss;
    ss.mixHash(this.e.publicKey);
    const s = ss.encryptAndHash(this.o.s.publicKey);
    const p = ss.encryptAndHash(payload);
    const out = new Uint8Array(DH_LEN + s.length + p.length);
    out.set(this.e.publicKey, 0);
    out.set(s, DH_LEN);
    out.set(p, DH_LEN + s.length);
    this.stage = 'sent';
    return out;
  }

  /**
   * Processes a msg2 body (without the nebula header). It never changes this initiator: on a
   * NoiseError ('truncated', 'decrypt-failed', 'bad-key') or on success, a later msg2 can still be
   * read, so neither a forged msg2 nor a valid one from the wrong host can spoil the handshake.
   */
  readMessage2(message: Uint8Array): IxInitiatorResult {
    if (this.stage !== 'sent') {
      throw new NoiseError('bad-state', 'readMessage2 before writeMessage1');
    }
    if (message.length < MSG2_MIN_LEN) {
      throw new NoiseError('truncated', `msg2 body is ${message.length} bytes, at least ${MSG2_MIN_LEN} needed`);
    }
    const { e } = this;
    const { s } = this.o;
    const ss = this.ss.clone();
    const reBytes = message.subarray(0, DH_LEN);
    ss.mixHash(reBytes);
    const re = x25519PublicKeyObject(reBytes); // used twice, imported once
    ss.mixKey(x25519(e.privateKey, re)); // ee
    ss.mixKey(x25519(s.privateKey, re)); // se: our static, their ephemeral
    const sEnd = DH_LEN + DH_LEN + TAG_LEN;
    const remoteStatic = ss.decryptAndHash(message.subarray(DH_LEN, sEnd));
    ss.mixKey(x25519(e.privateKey, remoteStatic)); // es: our ephemeral, their static
    const payload = ss.decryptAndHash(message.subarray(sEnd));
    const [k1, k2] = ss.split();
    // Reading commits nothing: a msg2 that decrypts but that the caller then refuses (a certificate
    // for another IP than the one dialled) must leave the genuine responder's msg2 readable.
    return { payload, remoteStatic, k1, k2, handshakeHash: ss.handshakeHash };
  }
}
