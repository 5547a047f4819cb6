// The Nebula 1.6.1 wire format: header, recv_error, replay window, drop reasons.
export * from './constants.js';
export * from './counter.js';
export * from './header.js';
export * from './reasons.js';
export * from './recv-error.js';
export * from './replay.js';
