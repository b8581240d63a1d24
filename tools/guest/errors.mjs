// Typed errors for the guest runner. Library code throws these; only the
// run-in-guest CLI prints them and picks an exit status.

export class GuestError extends Error {
  /**
   * @param {string} code stable machine-readable code, e.g. 'GUEST_BOOT_FAILED'
   * @param {string} message human-readable text
   * @param {{ cause?: unknown, errno?: number, output?: string }} [extra]
   */
  constructor(code, message, extra = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'GuestError';
    this.code = code;
    if (extra.errno !== undefined) this.errno = extra.errno;
    // The tail of the guest's serial console, so a boot failure shows why.
    if (extra.output !== undefined) this.output = extra.output;
  }
}
