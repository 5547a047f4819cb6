// Minimal proto3 wire codec for nebula's certificate and handshake messages.
export * from './constants.js';
export * from './errors.js';
export * from './reader.js';
export * from './writer.js';
