/**
 * Typed errors of @oci/cgroups. Library code throws only CgroupError; the CLI
 * decides what to print. `code` is stable; `errno`/`syscall` are set when a
 * system call failed; `resource`, `file` and `value` name what the kernel
 * rejected (issue 4: "values the kernel rejects come back as typed errors
 * naming the resource, the file and the value").
 */
export type CgroupErrorCode =
  | 'EWRITE' // writing a control file failed (errno says why)
  | 'EREAD' // reading a control file failed
  | 'EMKDIR' // creating a cgroup directory failed
  | 'ERMDIR' // removing a cgroup directory failed
  | 'EBUSY' // the cgroup did not empty in time (destroy)
  | 'EFREEZE' // freeze/thaw did not reach the wanted state in time
  | 'EINVALID' // a value is invalid before it reaches the kernel
  | 'ENOTSUPPORTED' // the resource has no control file on this hierarchy
  | 'ECHECKBEFOREUPDATE' // memory.checkBeforeUpdate: new limit below usage
  | 'ENOMOUNT' // no cgroup hierarchy is mounted for what is needed
  | 'EPATH' // a cgroupsPath or saved path is unusable
  | 'ENOCGROUP' // the cgroup does not exist (stats() of a removed container)
  | 'ESYSTEMD' // systemd refused or failed (a D-Bus error, a failed job: the unit's result is in the message)
  | 'ENOSYSTEMD' // the systemd driver was asked for and systemd is not PID 1 / the host is not cgroup v2
  | 'ENOCORE' // @oci/core (the native addon) is needed and missing
  | 'EBPF'; // loading/attaching the v2 device program failed

export interface CgroupErrorDetails {
  errno?: number;
  syscall?: string;
  resource?: string;
  file?: string;
  value?: string;
  cause?: unknown;
}

export class CgroupError extends Error {
  readonly code: CgroupErrorCode;
  readonly errno?: number;
  readonly syscall?: string;
  readonly resource?: string;
  readonly file?: string;
  readonly value?: string;

  constructor(code: CgroupErrorCode, message: string, details: CgroupErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CgroupError';
    this.code = code;
    if (details.errno !== undefined) this.errno = details.errno;
    if (details.syscall !== undefined) this.syscall = details.syscall;
    if (details.resource !== undefined) this.resource = details.resource;
    if (details.file !== undefined) this.file = details.file;
    if (details.value !== undefined) this.value = details.value;
  }
}

/** The positive errno of a Node fs error (Node reports it negated). */
export function errnoOf(err: unknown): number | undefined {
  const n = (err as NodeJS.ErrnoException | undefined)?.errno;
  return typeof n === 'number' ? Math.abs(n) : undefined;
}

/** The errno name (`ENOENT`, ...) of a Node fs error. */
export function sysCodeOf(err: unknown): string | undefined {
  const c = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Short text of a Node fs error without the path Node appends. */
export function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string') {
    const m = /^[A-Z0-9]+: ([^,]+)/.exec(e.message);
    return m ? `${m[1]} (${e.code})` : e.code;
  }
  return String(err);
}
