import type { Problem } from './problem.ts';

/**
 * Stable error codes thrown by @oci/spec:
 * - EJSON: the text is not JSON (empty, malformed, byte order mark, not UTF-8)
 * - EINVALIDCONFIG / EINVALIDSTATE / EINVALIDFEATURES: JSON, but the schema or a semantic check failed
 * - ENOCONFIG: <bundle>/config.json does not exist
 * - ETOOLARGE: the document is larger than opts.maxBytes
 * - EIO: reading the file failed for another reason (errno set)
 */
export type SpecErrorCode = 'EJSON' | 'EINVALIDCONFIG' | 'EINVALIDSTATE' | 'EINVALIDFEATURES' | 'ENOCONFIG' | 'ETOOLARGE' | 'EIO';

/** The only error class this package throws; the CLI prints `message` (and `problems`) and exits. */
export class SpecError extends Error {
  readonly code: SpecErrorCode;
  /** Every problem found, as data (empty for ENOCONFIG/EIO). */
  readonly problems: Problem[];
  /** The errno of a failed read (ENOCONFIG, EIO). */
  readonly errno?: number;

  constructor(code: SpecErrorCode, message: string, opts: { problems?: Problem[]; errno?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SpecError';
    this.code = code;
    this.problems = opts.problems ?? [];
    if (opts.errno !== undefined) this.errno = opts.errno;
  }
}
