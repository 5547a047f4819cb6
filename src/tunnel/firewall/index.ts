// The overlay firewall: nebula 1.6.1 rules (default deny), conntrack, address pre-checks.
export * from './address-check.js';
export * from './constants.js';
export * from './conntrack.js';
export * from './errors.js';
export * from './firewall.js';
export * from './flow.js';
export * from './identity.js';
export * from './ipv4.js';
export * from './reasons.js';
export * from './rule.js';
export * from './rule-table.js';
