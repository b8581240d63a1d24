export { compile, SECCOMP_FILTER_FLAG, type CompileOptions, type CompileResult } from './compile.ts';
export { disassemble, formatInsn, type DisassembleOptions } from './disassemble.ts';
export { evaluate, makeEvaluator, validate, seccompData, isConstantAllow, type SeccompData, type EvalResult } from './evaluate.ts';
export { SeccompError, type SeccompErrorCode } from './errors.ts';
export { ARCHES, findArch, nativeArch, syscallNumber, syscallName, syscallTable, isKnownSyscall, type ArchDef } from './arch.ts';
export { SECCOMP_RET, BPF, BPF_MAXINSNS, actionName, encode, decode, type Insn } from './bpf.ts';
export { ACTIONS } from './action.ts';
export { SYSCALL_TABLE_SOURCE } from './syscalls.generated.ts';
export { dockerDefault, podmanDefault, fromContainerProfile, DOCKER_DEFAULT, PODMAN_DEFAULT, DOCKER_DEFAULT_CAPABILITIES, PODMAN_DEFAULT_CAPABILITIES, type ContainerProfile, type ContainerProfileRule, type ProfileOptions } from './profiles.ts';
