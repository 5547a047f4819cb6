// Loading a Nebula YAML config into a NodeConfig: parse (yaml, YAML 1.2 core schema), then read
// each section with defaults applied. Bad values throw ConfigError naming the key path (the first
// one met); unknown keys and unsupported options become warnings.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
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
import { readStats } from './sections/stats.js';
import { readRoutines, readTun } from './sections/tun.js';
import { IGNORED_TOP_LEVEL } from './sections/unsupported.js';
import type { ConfigWarning, LoadedConfig, NodeConfig } from './types.js';

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
  'stats',
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
    stats: readStats(r, root.stats),
    tio: readTio(r, root.tio),
  };
  return { config, warnings: r.warnings };
}

/** Parses YAML text into plain data; YAML errors name `source`. */
function parseYaml(text: string, source: string): { tree: unknown; warnings: LoadedConfig['warnings'] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const err = doc.errors[0];
  if (err !== undefined) throw new ConfigError('', `${source} is not valid YAML: ${err.message}`);
  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new ConfigError('', `${source} could not be read as data: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { tree, warnings: doc.warnings.map((w) => ({ path: '', message: `YAML (${source}): ${w.message}` })) };
}

/** Parses YAML text into a NodeConfig; `source` (e.g. the file name) only decorates YAML syntax errors. */
export function parseConfig(text: string, source = 'config'): LoadedConfig {
  const { tree, warnings } = parseYaml(text, source);
  const loaded = configFromObject(tree);
  return { config: loaded.config, warnings: [...warnings, ...loaded.warnings] };
}

/**
 * Reads the config at `path`: one YAML file, or, as nebula's -config does, a directory whose
 * .yml and .yaml files (found recursively, in sorted order of their paths) are merged into one
 * (docs/PROTOCOL.md "Config directories").
 */
export async function loadConfigFile(path: string): Promise<LoadedConfig> {
  const files = await configFiles(path);
  if (files.length === 0) throw new ConfigError('', `no config files (.yml, .yaml) found in ${path}`);
  let merged: unknown = undefined;
  const warnings: ConfigWarning[] = [];
  for (const file of files) {
    const parsed = parseYaml(await readText(file), file);
    warnings.push(...parsed.warnings);
    if (parsed.tree !== null && parsed.tree !== undefined && !isMap(parsed.tree)) throw new ConfigError('', `${file} must hold a map of settings`);
    merged = merged === undefined ? parsed.tree : mergeConfigs(parsed.tree, merged);
  }
  const loaded = configFromObject(merged ?? {});
  return { config: loaded.config, warnings: [...warnings, ...loaded.warnings] };
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError('', `cannot read ${path}: ${errCode(e)}`);
  }
}

function errCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : String(e);
}

/** The files a -config path names: itself, or a directory's YAML files, recursively, sorted by absolute path. */
async function configFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new ConfigError('', `cannot read ${path}: ${errCode(e)}`);
  }
  if (!st.isDirectory()) return [resolve(path)];
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    // Bounded: a link loop or a deep tree must not hang the load.
    if (depth > MAX_CONFIG_DEPTH) throw new ConfigError('', `${dir}: config directories nest deeper than ${MAX_CONFIG_DEPTH}`);
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.name.endsWith('.yml') || e.name.endsWith('.yaml')) out.push(resolve(p));
    }
  };
  await walk(path, 0);
  return out.sort();
}

/** Deepest directory nesting read under a -config directory. */
const MAX_CONFIG_DEPTH = 8;

/**
 * Merges an earlier file's settings (`earlier`) into a later one's (`later`), as nebula 1.6.1 does
 * with mergo.Merge(later, earlier, WithAppendSlice): maps merge key by key, lists concatenate
 * (later first), and a value the later file leaves out or sets empty (false, 0, "", null) comes
 * from the earlier file; otherwise the later file wins.
 */
export function mergeConfigs(later: unknown, earlier: unknown): unknown {
  if (isMap(later) && isMap(earlier)) {
    const out: Record<string, unknown> = { ...later };
    for (const [k, v] of Object.entries(earlier)) out[k] = k in later ? mergeConfigs(later[k], v) : v;
    return out;
  }
  if (Array.isArray(later) && Array.isArray(earlier)) return [...later, ...earlier];
  return isEmptySetting(later) ? earlier : later;
}

function isEmptySetting(v: unknown): boolean {
  return v === undefined || v === null || v === false || v === 0 || v === '';
}
