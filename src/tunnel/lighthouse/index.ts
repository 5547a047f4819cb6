// The lighthouse client: the NebulaMeta codec, the address cache and the client's state machine.
export * from './errors.js';
export * from './meta.js';
export * from './addresses.js';
export * from './cache.js';
export * from './client.js';
