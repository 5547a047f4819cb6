// Options shared by both IX roles, and their validation.
import { DH_LEN, PROTOCOL_NAMES, type NoiseCipher } from './constants.js';
import { NoiseError } from './errors.js';
import { generateX25519KeyPair, x25519PublicKey, type KeyPair } from './x25519.js';

/** Options of an IX handshake, either role. */
export interface IxOptions {
  /** Handshake and data cipher; must match the peer's (a mismatch fails at msg2, docs/PROTOCOL.md "Config keys and defaults"). */
  readonly cipher: NoiseCipher;
  /**
   * Our static key pair: the pki.key private key and the PublicKey of our certificate (docs/PROTOCOL.md "Static key and certificate").
   * A pair returned by vetStaticKey() is not checked again (the check costs an X25519 operation).
   */
  readonly staticKey: KeyPair;
  /** Ephemeral key pair; leave unset (fresh random). Tests inject fixed ones. */
  readonly ephemeralKey?: KeyPair;
  /** Prologue; nebula uses none (empty). Only the Noise spec's test vectors set one. */
  readonly prologue?: Uint8Array;
}

/** Validated options: the cipher is known and the key pairs given are consistent. */
export interface ResolvedIxOptions {
  readonly cipher: NoiseCipher;
  readonly s: KeyPair;
  /** The injected ephemeral pair; null: the role makes a fresh one when it first needs it (newEphemeral). */
  readonly e: KeyPair | null;
  readonly prologue: Uint8Array;
}

// Pairs vetStaticKey() checked. A responder is built for every msg1 that parses; checking the
// static pair each time cost an X25519 operation per datagram before anything else was looked at.
const vetted = new WeakSet<KeyPair>();

/**
 * Checks a static key pair once and returns a frozen copy that IxOptions accepts without checking it
 * again; NoiseError 'bad-key' when the public key is not the private key's. Do not mutate its bytes.
 */
export function vetStaticKey(pair: KeyPair): KeyPair {
  if (vetted.has(pair)) return pair;
  const copy = Object.freeze(checkPair(pair, 'static'));
  vetted.add(copy);
  return copy;
}

/** Checks `opts`; NoiseError 'bad-argument' or 'bad-key' when unusable. Makes no ephemeral key (see newEphemeral). */
export function resolveIxOptions(opts: IxOptions): ResolvedIxOptions {
  if (!Object.hasOwn(PROTOCOL_NAMES, opts.cipher)) {
    throw new NoiseError('bad-argument', `unknown cipher ${JSON.stringify(opts.cipher)}; use 'aes' or 'chachapoly'`);
  }
  const s = vetted.has(opts.staticKey) ? opts.staticKey : checkPair(opts.staticKey, 'static');
  const e = opts.ephemeralKey === undefined ? null : checkPair(opts.ephemeralKey, 'ephemeral');
  return { cipher: opts.cipher, s, e, prologue: Uint8Array.from(opts.prologue ?? new Uint8Array(0)) };
}

/** The injected ephemeral pair, or a fresh random one (generated only when the handshake gets that far). */
export function newEphemeral(o: ResolvedIxOptions): KeyPair {
  return o.e ?? generateX25519KeyPair();
}

// A public key that does not belong to the private key makes every handshake fail
// at the peer with a bare authentication error; catching it here names the cause.
function checkPair(pair: KeyPair, what: string): KeyPair {
  if (pair.privateKey.length !== DH_LEN || pair.publicKey.length !== DH_LEN) {
    throw new NoiseError('bad-key', `${what} key pair must be two ${DH_LEN}-byte keys`);
  }
  const derived = x25519PublicKey(pair.privateKey);
  if (!equal(derived, pair.publicKey)) {
    throw new NoiseError('bad-key', `${what} public key ${hex(pair.publicKey)} is not the public key of its private key (${hex(derived)})`);
  }
  return { privateKey: Uint8Array.from(pair.privateKey), publicKey: Uint8Array.from(pair.publicKey) };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
