/**
 * Every failure of the compiler is a SeccompError with a stable `code`:
 *
 * | code | meaning |
 * |---|---|
 * | EACTION | unknown action, or errnoRet on an action that takes no errno |
 * | EOP | unknown comparison operator |
 * | EARGINDEX | argument index outside 0..5 |
 * | EARGVALUE | value/valueTwo not an unsigned 64-bit integer |
 * | EARCH | unknown architecture name |
 * | EARCHENDIAN | architectures of different byte order in one filter |
 * | EUNKNOWNSYSCALL | syscall name unknown to every table (strict mode only) |
 * | EFLAG | unknown seccomp flag |
 * | ETOOLONG | program longer than BPF_MAXINSNS (4096) instructions |
 * | EBPF | malformed BPF handed to disassemble/evaluate |
 * | EPROFILE | the seccomp object itself is malformed (or has an unknown field, in strict mode) |
 * | ECONTAINERPROFILE | a Docker/podman profile file (archMap, includes/excludes) given where linux.seccomp is expected |
 */
export type SeccompErrorCode =
  | 'EACTION'
  | 'EOP'
  | 'EARGINDEX'
  | 'EARGVALUE'
  | 'EARCH'
  | 'EARCHENDIAN'
  | 'EUNKNOWNSYSCALL'
  | 'EFLAG'
  | 'ETOOLONG'
  | 'EBPF'
  | 'EPROFILE'
  | 'ECONTAINERPROFILE';

export class SeccompError extends Error {
  readonly code: SeccompErrorCode;
  /** JSON pointer into the linux.seccomp object, e.g. "/syscalls/3/args/0/op". */
  readonly pointer?: string;
  constructor(code: SeccompErrorCode, message: string, opts: { pointer?: string; cause?: unknown } = {}) {
    super(opts.pointer ? `${opts.pointer}: ${message}` : message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SeccompError';
    this.code = code;
    if (opts.pointer !== undefined) this.pointer = opts.pointer;
  }
}
