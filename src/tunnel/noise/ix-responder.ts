// The responder side of Noise IX (docs/PROTOCOL.md "Handshake message 1", "Handshake message 2"): read msg1
// (cleartext e, s, payload), verify the payload's certificate outside, then write msg2
//   <- e, ee, se, s, es
// The nebula header is the caller's business, as for the initiator.
import { DH_LEN, MSG1_MIN_LEN, type NoiseCipher } from './constants.js';
import { NoiseError } from './errors.js';
import { newEphemeral, resolveIxOptions, type IxOptions, type ResolvedIxOptions } from './ix-options.js';
import { SymmetricState } from './symmetric-state.js';
import { x25519, x25519PublicKeyObject } from './x25519.js';

/** What the responder learns from msg1 (nothing of it is authenticated yet). */
export interface IxMessage1 {
  /** Initiator's handshake payload (NebulaHandshake protobuf), sent in clear. */
  readonly payload: Uint8Array;
  /** Initiator's static key: goes into its certificate's PublicKey before verifying (docs/PROTOCOL.md "Static key and certificate"). */
  readonly remoteStatic: Uint8Array;
  /** Initiator's ephemeral key. */
  readonly remoteEphemeral: Uint8Array;
}

/** msg2 and the session keys. */
export interface IxResponderResult {
  /** msg2 body (prepend the nebula header); cache it to answer a duplicate msg1 (docs/PROTOCOL.md "Retries, duplicates and races"). */
  readonly bytes: Uint8Array;
  /** Initiator -> responder key: the responder decrypts with it. */
  readonly k1: Uint8Array;
  /** Responder -> initiator key: the responder encrypts with it. */
  readonly k2: Uint8Array;
  /** Final handshake hash h (channel binding). */
  readonly handshakeHash: Uint8Array;
}

/** Responder of one IX handshake: readMessage1 once, then writeMessage2 once. */
export class IxResponder {
  /** The negotiated cipher. */
  readonly cipher: NoiseCipher;
  private readonly o: ResolvedIxOptions;
  private ss: SymmetricState;
  private stage: 'start' | 'read' | 'done' = 'start';
  private re: Uint8Array | undefined;
  private rs: Uint8Array | undefined;

  /** Prepares a handshake; NoiseError 'bad-key' / 'bad-argument' for unusable options. */
  constructor(opts: IxOptions) {
    this.o = resolveIxOptions(opts);
    this.cipher = this.o.cipher;
    this.ss = SymmetricState.initialize(this.o.cipher, this.o.prologue);
  }

  /** Processes a msg1 body (without the nebula header): e.pub || s.pub || payload. */
  readMessage1(message: Uint8Array): IxMessage1 {
    if (this.stage !== 'start') throw new NoiseError('bad-state', 'readMessage1 called twice; use a new IxResponder per msg1');
    if (message.length < MSG1_MIN_LEN) {
      throw new NoiseError('truncated', `msg1 body is ${message.length} bytes, at least ${MSG1_MIN_LEN} needed`);
    }
    const ss = this.ss.clone();
    const re = Uint8Array.from(message.subarray(0, DH_LEN));
    ss.mixHash(re);
    const rs = ss.decryptAndHash(message.subarray(DH_LEN, MSG1_MIN_LEN)); // no key yet: clear
    const payload = ss.decryptAndHash(message.subarray(MSG1_MIN_LEN)); // no key yet: clear
    this.ss = ss;
    this.re = re;
    this.rs = rs;
    this.stage = 'read';
    return { payload, remoteStatic: Uint8Array.from(rs), remoteEphemeral: Uint8Array.from(re) };
  }

  /** Writes msg2 carrying `payload`; NoiseError 'bad-key' if the initiator's keys are low-order points. */
  writeMessage2(payload: Uint8Array): IxResponderResult {
    if (this.stage !== 'read' || this.re === undefined || this.rs === undefined) {
      throw new NoiseError('bad-state', this.stage === 'start' ? 'writeMessage2 before readMessage1' : 'handshake already complete');
    }
    // The ephemeral pair is made only now: a msg1 refused on its certificate costs no X25519 operation.
    const e = newEphemeral(this.o);
    const { s } = this.o;
    const ss = this.ss.clone();
    ss.mixHash(e.publicKey);
    const re = x25519PublicKeyObject(this.re); // used twice, imported once
    ss.mixKey(x25519(e.privateKey, re)); // ee
    ss.mixKey(x25519(e.privateKey, this.rs)); // se: their static, our ephemeral
    const sEnc = ss.encryptAndHash(s.publicKey);
    ss.mixKey(x25519(s.privateKey, re)); // es: their ephemeral, our static
    const pEnc = ss.encryptAndHash(payload);
    const [k1, k2] = ss.split();
    const bytes = new Uint8Array(DH_LEN + sEnc.length + pEnc.length);
    bytes.set(e.publicKey, 0);
    bytes.set(sEnc, DH_LEN);
    bytes.set(pEnc, DH_LEN + sEnc.length);
    this.ss = ss;
    this.stage = 'done';
    return { bytes, k1, k2, handshakeHash: ss.handshakeHash };
  }
}
