// The lighthouse: the NebulaMeta codec, the client (address cache, state machine), the server (store) and punchy.
export * from './errors.js';
export * from './meta.js';
export * from './addresses.js';
export * from './cache.js';
export * from './client.js';
export * from './store.js';
export * from './server.js';
export * from './punchy.js';
export * from './allow-list.js';
