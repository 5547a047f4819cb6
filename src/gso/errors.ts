// Errors of the segmentation layer. Bad packets are never errors (they get a
// reject code); only misuse of a Segmenter is.
import { TioError } from '../errors.js';

/** segment() was called again from inside its own onSegment callback; the scratch is in use. */
export class SegmenterBusyError extends TioError {
  constructor() {
    super('ERR_TIO_SEGMENTER_BUSY', 'Segmenter.segment() called from inside its own onSegment callback; use a second Segmenter for nested segmentation');
  }
}
