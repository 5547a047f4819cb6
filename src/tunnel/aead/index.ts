// Batched AEAD for Nebula data packets: native (BatchAead) and node:crypto reference (ReferenceAead).
export * from './batch.js';
export * from './batch-aead.js';
export * from './cipher.js';
export * from './constants.js';
export * from './errors.js';
export * from './impl.js';
export * from './nonce.js';
export * from './reference-aead.js';
export * from './types.js';
export { AEAD_PATH, type AeadPath } from '../../native.js';
