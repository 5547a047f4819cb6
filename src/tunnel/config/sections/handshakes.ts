// `handshakes` and `timers` (docs/PROTOCOL.md "Retries, duplicates and races", "Test messages and liveness", "Config keys and defaults").
import {
  DEFAULT_CONNECTION_ALIVE_INTERVAL_MS,
  DEFAULT_HANDSHAKE_RETRIES,
  DEFAULT_HANDSHAKE_TRIGGER_BUFFER,
  DEFAULT_HANDSHAKE_TRY_INTERVAL_MS,
  DEFAULT_PENDING_DELETION_INTERVAL_MS,
  INT32_MAX,
} from '../defaults.js';
import type { ConfigReader } from '../reader.js';
import type { HandshakesConfig, TimersConfig } from '../types.js';

/** Reads `handshakes`. */
export function readHandshakes(r: ConfigReader, value: unknown): HandshakesConfig {
  const path = 'handshakes';
  const m = r.map(value, path, ['try_interval', 'retries', 'trigger_buffer']);
  return {
    tryIntervalMs: r.duration(m, 'try_interval', path, DEFAULT_HANDSHAKE_TRY_INTERVAL_MS, false),
    retries: r.int(m, 'retries', path, DEFAULT_HANDSHAKE_RETRIES, 1, INT32_MAX),
    triggerBuffer: r.int(m, 'trigger_buffer', path, DEFAULT_HANDSHAKE_TRIGGER_BUFFER, 1, INT32_MAX),
  };
}

/** Reads `timers` (whole seconds, as nebula 1.6.1's GetInt). */
export function readTimers(r: ConfigReader, value: unknown): TimersConfig {
  const path = 'timers';
  const m = r.map(value, path, ['connection_alive_interval', 'pending_deletion_interval']);
  return {
    connectionAliveIntervalMs: r.seconds(m, 'connection_alive_interval', path, DEFAULT_CONNECTION_ALIVE_INTERVAL_MS, 1, INT32_MAX),
    pendingDeletionIntervalMs: r.seconds(m, 'pending_deletion_interval', path, DEFAULT_PENDING_DELETION_INTERVAL_MS, 1, INT32_MAX),
  };
}
