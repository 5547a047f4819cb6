// The one error of the NebulaControl decoder: what was wrong with a relay control message.
import { TioError } from '../../errors.js';

/** A relay control message (NebulaControl, docs/PROTOCOL.md "Relays") that could not be decoded. */
export class ControlMessageError extends TioError {
  constructor(detail: string) {
    super('ERR_TIO_RELAY_CONTROL', `relay control message refused: ${detail}`);
  }
}
