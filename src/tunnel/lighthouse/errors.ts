// The one error of the NebulaMeta decoder: what was wrong with a lighthouse message.
import { TioError } from '../../errors.js';

/** Why a lighthouse message was refused (the inbound path drops and counts it by this reason). */
export type MetaErrorReason = 'malformed' | 'no-details';

/** A lighthouse message (NebulaMeta, docs/PROTOCOL.md "Lighthouse messages") that could not be decoded. */
export class MetaError extends TioError {
  /** What was wrong. */
  readonly reason: MetaErrorReason;
  constructor(reason: MetaErrorReason, detail: string) {
    super('ERR_TIO_LIGHTHOUSE_MESSAGE', `lighthouse message refused (${reason}): ${detail}`);
    this.reason = reason;
  }
}
