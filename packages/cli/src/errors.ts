/**
 * Typed errors for the oci-ts library. Library code throws `OciError` (or a
 * subclass) with a stable `code`; only the CLI layer (main.ts) prints them and
 * chooses the exit code. Messages keep runc's wording where callers (containerd,
 * CRI-O, podman) match on it: "container not running", "does not exist",
 * "no such process".
 */
export class OciError extends Error {
  /** Stable machine-readable code, e.g. 'ENOTEXIST', 'ENOTRUNNING', 'EHOOK'. */
  readonly code: string;
  /** errno when a syscall failed. */
  readonly errno?: number;
  /** The create step that failed (init-protocol step or parent step). */
  readonly step?: string;

  constructor(code: string, message: string, opts: { cause?: unknown; errno?: number; step?: string } = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'OciError';
    this.code = code;
    if (opts.errno !== undefined) this.errno = opts.errno;
    if (opts.step !== undefined) this.step = opts.step;
  }
}

/** The error and every `cause` below it, as one line per level (for logs). */
export function causeChain(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      out.push(typeof code === 'string' && !e.message.includes(code) && depth > 0 ? `${e.message} (${code})` : e.message);
      e = (e as { cause?: unknown }).cause;
    } else {
      out.push(String(e));
      break;
    }
  }
  return out;
}

export const notExist = (id: string) => new OciError('ENOTEXIST', `container ${id} does not exist`);
