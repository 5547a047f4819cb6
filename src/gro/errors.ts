// Misuse of a Coalescer that would corrupt packets if allowed.
import { TioError } from '../errors.js';

/** add() or flush() was called while a flush is still writing; await flush() first. */
export class CoalescerBusyError extends TioError {
  constructor(what: string) {
    super('ERR_TIO_COALESCER_BUSY', `coalescer ${what} while a flush is in progress; await flush() before adding or flushing again`);
  }
}
