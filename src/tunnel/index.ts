/** tio's overlay node, wire-compatible with Nebula 1.6.1, and its building blocks (import from "tio/tunnel"). */
export { OverlayNode } from './node/node.js';
export type { NodeOptions } from './node/options.js';
export { nodeOptionsFromConfig, loggerFromConfig } from './node/from-config.js';
export { loadPki, peerIdentity, PkiError, type Pki, type PkiSource } from './node/pki.js';
export { NodeStats, NODE_DROP_REASONS, type NodeDropReason } from './node/stats.js';
export { Logger, LOG_LEVELS, type LogLevel, type LogFormat } from './log/logger.js';
export * as config from './config/index.js';
export * as cert from './cert/index.js';
export * as noise from './noise/index.js';
export * as wire from './wire/index.js';
export * as firewall from './firewall/index.js';
export * as aead from './aead/index.js';
export * as udp from '../udp/index.js';
