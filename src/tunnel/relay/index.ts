// Relays (docs/PROTOCOL.md "Relays"): the NebulaControl codec, relay state and the relayed-packet tag.
export * from './control-msg.js';
export * from './errors.js';
export * from './relay-table.js';
export * from './relay-tag.js';
export * from './manager.js';
