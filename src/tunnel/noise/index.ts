// Noise IX for nebula 1.6.1 handshakes (docs/PROTOCOL.md "Noise primitives"), and the handshake payload protobuf.
export * from './aead.js';
export * from './cipher-state.js';
export * from './constants.js';
export * from './errors.js';
export * from './handshake-payload.js';
export * from './hkdf.js';
export * from './ix-initiator.js';
export * from './ix-options.js';
export * from './ix-responder.js';
export * from './nonce.js';
export * from './okp-keys.js';
export * from './symmetric-state.js';
export * from './x25519.js';
