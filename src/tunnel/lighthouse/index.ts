// The lighthouse client: the NebulaMeta codec, the address cache and the client's state machine.
export * from './errors.js';
export * from './meta.js';
