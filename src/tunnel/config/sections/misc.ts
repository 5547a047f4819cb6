// The small sections: `cipher`, `logging`, `relay` and tio's own `tio` (docs/PROTOCOL.md "Config keys and defaults").
import { parseOverlayIp } from '../address.js';
import {
  DEFAULT_CIPHER, DEFAULT_LOG_FORMAT, DEFAULT_LOG_LEVEL, DEFAULT_TIO_GRO, DEFAULT_TIO_HAND_OFF, DEFAULT_TIO_OFFLOAD, DEFAULT_TIO_STATUS_INTERVAL_MS, DEFAULT_TIO_WRITE_STRATEGY, DEFAULT_USE_RELAYS,
} from '../defaults.js';
import type { ConfigMap, ConfigReader } from '../reader.js';
import { indexPath } from '../reader.js';
import type { LogLevel, LoggingConfig, NodeConfig, RelayConfig, TioConfig } from '../types.js';

/** Reads top-level `cipher`: aes or chachapoly, exactly (nebula: anything else is `unknown cipher`). */
export function readCipher(r: ConfigReader, root: ConfigMap): NodeConfig['cipher'] {
  return r.choice(root, 'cipher', '', ['aes', 'chachapoly'] as const, DEFAULT_CIPHER);
}

const LEVELS = ['panic', 'fatal', 'error', 'warn', 'warning', 'info', 'debug', 'trace'] as const;

/** Reads `logging`: level as logrus parses it (case-insensitive, warn = warning), format text or json. */
export function readLogging(r: ConfigReader, value: unknown): LoggingConfig {
  const path = 'logging';
  const m = r.map(value, path, ['level', 'format', 'disable_timestamp', 'timestamp_format']);
  const level = r.choice(m, 'level', path, LEVELS, DEFAULT_LOG_LEVEL, true);
  return {
    level: (level === 'warn' ? 'warning' : level) satisfies LogLevel,
    format: r.choice(m, 'format', path, ['text', 'json'] as const, DEFAULT_LOG_FORMAT, true),
    disableTimestamp: r.bool(m, 'disable_timestamp', path, false),
    timestampFormat: r.string(m, 'timestamp_format', path, null),
  };
}

/** Reads `relay` (docs/PROTOCOL.md "Relays"). */
export function readRelay(r: ConfigReader, value: unknown): RelayConfig {
  const path = 'relay';
  const m = r.map(value, path, ['relays', 'am_relay', 'use_relays']);
  const relays = r.list(m.relays, 'relay.relays').map((v, i) => parseOverlayIp(r, v, indexPath('relay.relays', i)));
  const amRelay = r.bool(m, 'am_relay', path, false);
  return { relays, amRelay, useRelays: r.bool(m, 'use_relays', path, DEFAULT_USE_RELAYS) };
}

/** Reads tio's own `tio` section: offload auto|off (or a boolean), gro and hand_off on/off, write_strategy auto|writev|copy, status_interval (0: off). */
export function readTio(r: ConfigReader, value: unknown): TioConfig {
  const path = 'tio';
  const m = r.map(value, path, ['offload', 'gro', 'hand_off', 'write_strategy', 'status_interval']);
  // YAML writers may say `offload: false`; read booleans as off/auto.
  const flag = typeof m.offload === 'boolean' ? m.offload : null;
  return {
    offload: flag === null ? r.choice(m, 'offload', path, ['auto', 'off'] as const, DEFAULT_TIO_OFFLOAD) : flag ? 'auto' : 'off',
    gro: r.bool(m, 'gro', path, DEFAULT_TIO_GRO),
    handOff: r.bool(m, 'hand_off', path, DEFAULT_TIO_HAND_OFF),
    writeStrategy: r.choice(m, 'write_strategy', path, ['auto', 'writev', 'copy'] as const, DEFAULT_TIO_WRITE_STRATEGY),
    statusIntervalMs: r.duration(m, 'status_interval', path, DEFAULT_TIO_STATUS_INTERVAL_MS, true),
  };
}
