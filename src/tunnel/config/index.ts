// Nebula 1.6.1 YAML config -> typed NodeConfig (the subset of docs/PROTOCOL.md "Config keys and defaults", plus `tio:`).
export * from './defaults.js';
export * from './duration.js';
export * from './errors.js';
export * from './load.js';
export * from './network-check.js';
export * from './types.js';
