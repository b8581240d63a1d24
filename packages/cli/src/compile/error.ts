import { OciError } from '../errors.ts';

/**
 * A config value the compiler cannot turn into an init program. `pointer` is
 * the JSON pointer of the offending field so the message names it.
 */
export class CompileError extends OciError {
  readonly pointer: string;
  constructor(pointer: string, message: string, code = 'EINVALIDCONFIG', cause?: unknown) {
    super(code, `${pointer}: ${message}`, { cause });
    this.name = 'CompileError';
    this.pointer = pointer;
  }
}
