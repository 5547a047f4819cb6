// Errors of the firewall layer. Packets are never errors (they get a drop reason); only a
// rule set that cannot be compiled is.
import { TioError } from '../../errors.js';

/** A firewall rule given to the compiler is invalid; the message says which rule and why. */
export class FirewallRuleError extends TioError {
  constructor(where: string, detail: string) {
    super('ERR_TIO_FIREWALL_RULE', `firewall ${where}: ${detail}`);
  }
}

/** A firewall or conntrack option is out of range; the message names it and the accepted values. */
export class FirewallOptionError extends TioError {
  constructor(option: string, detail: string) {
    super('ERR_TIO_FIREWALL_OPTION', `firewall option ${option}: ${detail}`);
  }
}
