// Loading a Nebula YAML config into a NodeConfig: parse (yaml, YAML 1.2 core schema), then read
// each section with defaults applied. Bad values throw ConfigError naming the key path (the first
// one met); unknown keys and unsupported options become warnings.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import { ConfigReader, isMap, show } from './reader.js';
import { readFirewall } from './sections/firewall.js';
import { readHandshakes, readTimers } from './sections/handshakes.js';
import { readLighthouse } from './sections/lighthouse.js';
import { readListen } from './sections/listen.js';
import { readCipher, readLogging, readRelay, readTio } from './sections/misc.js';
import { readPki } from './sections/pki.js';
import { readPunchy } from './sections/punchy.js';
import { readStaticHostMap } from './sections/static-host-map.js';
import { readRoutines, readTun } from './sections/tun.js';
import { IGNORED_TOP_LEVEL } from './sections/unsupported.js';
import type { LoadedConfig, NodeConfig } from './types.js';

/** Top-level keys tio reads. */
const TOP_LEVEL_KEYS = [
  'pki',
  'static_host_map',
  'lighthouse',
  'listen',
  'punchy',
  'punch_back',
  'cipher',
  'tun',
  'routines',
  'handshakes',
  'timers',
  'firewall',
  'logging',
  'relay',
  'tio',
] as const;

/** Most YAML aliases expanded in one document: a bound against alias bombs (the yaml default). */
const MAX_ALIAS_COUNT = 100;

/** Builds a NodeConfig from an already parsed config tree (e.g. JSON, or YAML parsed elsewhere). */
export function configFromObject(tree: unknown): LoadedConfig {
  const r = new ConfigReader();
  if (tree !== null && tree !== undefined && !isMap(tree)) r.fail('', `must be a map of sections at the top level, got ${show(tree)}`);
  const root = r.map(tree, '', TOP_LEVEL_KEYS, IGNORED_TOP_LEVEL);
  // Read first: lighthouse.hosts must name its keys.
  const staticHostMap = readStaticHostMap(r, root.static_host_map);
  const pki = readPki(r, root.pki);
  // Read before lighthouse: am_lighthouse needs its port.
  const listen = readListen(r, root.listen);
  const config: NodeConfig = {
    pki,
    staticHostMap,
    lighthouse: readLighthouse(r, root.lighthouse, staticHostMap, listen.port),
    listen,
    punchy: readPunchy(r, root),
    cipher: readCipher(r, root),
    tun: readTun(r, root.tun),
    routines: readRoutines(r, root),
    handshakes: readHandshakes(r, root.handshakes),
    timers: readTimers(r, root.timers),
    firewall: readFirewall(r, root.firewall),
    logging: readLogging(r, root.logging),
    relay: readRelay(r, root.relay),
    tio: readTio(r, root.tio),
  };
  return { config, warnings: r.warnings };
}

/** Parses YAML text into a NodeConfig; `source` (e.g. the file name) only decorates YAML syntax errors. */
export function parseConfig(text: string, source = 'config'): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) throw new ConfigError('', `${source} is not valid YAML: ${err.message}`);
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ConfigError('', `${source} could not be read as data: ${e instanceof Error ? e.message : String(e)}`);
  }
  const loaded = configFromObject(tree);
  const yamlWarnings = doc.warnings.map((w) => ({ path: '', message: `YAML: ${w.message}` }));
  return { config: loaded.config, warnings: [...yamlWarnings, ...loaded.warnings] };
}

/** Reads and parses the YAML config file at `path`. */
export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : String(e);
    throw new ConfigError('', `cannot read ${path}: ${code}`);
  }
  return parseConfig(text, path);
}
