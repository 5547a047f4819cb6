/**
 * tio's overlay node, wire-compatible with Nebula 1.6.1 ("tio/tunnel").
 *
 * The public API of this entry point: every name here is semver surface and is
 * listed with its type in docs/api/tio-tunnel.api.md (kept in step by
 * `npm run api:report`, checked by test/api/report.test.ts). A user starts a node
 * from a Nebula config (parseConfig / loadConfigFile -> nodeOptionsFromConfig ->
 * OverlayNode.start) or from NodeOptions built in code, and reads it through
 * OverlayNode.status(). The building blocks (certificates, Noise, wire format,
 * firewall, AEAD, UDP transport) are internal; see docs/api/README.md.
 */

// The node and what it reports.
export { OverlayNode } from './node/node.js';
export type { NodeOptions, NodeRoute, NodeUnsafeRoute } from './node/options.js';
export type {
  NodeStatus, TunnelStatus, NodeCounters, HandshakeCounters, LighthouseStatus, LighthouseServerStatus, PunchyCounters, RelayStatus,
} from './node/status.js';
export type { LighthouseStats, LighthouseServerStats, PunchyStats } from './lighthouse/index.js';
export { AllowList, LocalAllowList, RemoteAllowList, type AllowRule, type NameRule, type InsideRange } from './lighthouse/index.js';
export { NODE_DROP_REASONS, type NodeDropReason, type NodeStats } from './node/stats.js';

// Options from a Nebula config.
export { parseConfig, loadConfigFile, ConfigError, type LoadedConfig, type NodeConfig, type ConfigWarning, type StatsConfig } from './config/index.js';
export { renderPrometheus, type MetricNames, type ProcessMemory } from './metrics/prometheus.js';
export { nodeOptionsFromConfig, loggerFromConfig } from './node/from-config.js';

// Options from code: the PKI, the log and the types NodeOptions names.
export { loadPki, PkiError, type Pki, type PkiSource } from './node/pki.js';
export { Logger, LOG_LEVELS, type LogLevel, type LogFormat, type LogFields, type LogSink } from './log/logger.js';
export { turnSink, TURN_SINK_MAX_PENDING, type TurnSink } from './log/turn-sink.js';
export { Endpoint } from '../udp/index.js';
export type { HandshakeOptions } from './node/handshakes.js';
export type { FirewallOptions } from './firewall/index.js';
export type { CipherName } from './aead/index.js';
export type { SendRecvErrorMode } from './wire/index.js';

// Errors a node's start can throw besides tio's TUN errors (those come from "tio").
export { CertError, type CertErrorReason } from './cert/index.js';
export { FirewallRuleError, FirewallOptionError } from './firewall/index.js';
export { UdpBindError, BadAddressError } from '../udp/index.js';
