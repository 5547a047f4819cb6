// The one error of the config loader: it names the offending key path.
import { TioError } from '../../errors.js';

/** A config value is missing, malformed or out of range; `path` names it (e.g. "tun.mtu"). */
export class ConfigError extends TioError {
  /** Dotted key path of the bad value ("" for the file as a whole). */
  readonly path: string;
  constructor(path: string, detail: string) {
    super('ERR_TIO_CONFIG', path === '' ? `config: ${detail}` : `config ${path}: ${detail}`);
    this.path = path;
  }
}
