// Relays (docs/PROTOCOL.md "Relays"): the NebulaControl codec, relay state and the relayed-packet tag.
export * from './control-msg.js';
export * from './errors.js';
