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

/** errno names as a person reads them (strerror(3) wording, as runc's Go errors print). */
const TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ENXIO: 'no such device or address',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  EAGAIN: 'resource temporarily unavailable',
  ENOMEM: 'cannot allocate memory',
  EINVAL: 'invalid argument',
  EFBIG: 'file too large',
};

/** The errno of a Node fs error in words ("no space left on device"); never Node's "ENOSPC: ..., write" text. */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && TEXT[code]) return TEXT[code];
  // Any other errno: libuv's strerror text inside Node's "CODE: text, syscall 'path'".
  const m = /^[A-Z0-9_]+: ([^,]+)(,|$)/.exec(String((e as Error)?.message ?? ''));
  if (code && m && m[1]) return m[1];
  if (code) return code.toLowerCase();
  return String((e as Error)?.message ?? e);
}

/**
 * A Node system error (fs, child_process): a `syscall`, and Node's message
 * "CODE: text, syscall …". The libraries' typed errors (CgroupError,
 * SeccompError, …) may carry `syscall` and `code` too, but their message is
 * already in words and names the file: it must be kept, not replaced by
 * "write: ewrite".
 */
function isSystemError(e: unknown): e is NodeJS.ErrnoException {
  if (!(e instanceof Error)) return false;
  const { syscall, code } = e as NodeJS.ErrnoException;
  return typeof syscall === 'string' && typeof code === 'string' && e.message.startsWith(`${code}:`);
}

/**
 * The error and every `cause` below it, as one line per level (for logs).
 * A Node system error is put in the runtime's words ("open /x: no such file
 * or directory", as runc's Go errors read), never Node's "ENOENT: no such
 * file or directory, open '/x'"; below an error that already says it, it is
 * left out rather than said twice.
 */
export function causeChain(err: unknown): string[] {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (isSystemError(e)) {
      const text = errnoText(e);
      const said = depth > 0 && (out[out.length - 1].includes(text) || out[out.length - 1].includes(e.code!));
      if (!said) out.push(e.path ? `${e.syscall} ${e.path}: ${text}` : `${e.syscall}: ${text}`);
      break;
    }
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      if (depth > 0 && out[out.length - 1].includes(e.message)) break; // said already
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
