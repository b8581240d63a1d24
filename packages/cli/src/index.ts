/**
 * oci-ts as a library: the command entry point, the config → InitProgram
 * compiler and the lifecycle functions the commands are thin wrappers over.
 */
export { main, parser } from './main.ts';
export { compileProgram, CompileError, parseMountOptions, rootfsPath, type CompileOptions } from './compile/index.ts';
export { OciError, causeChain } from './errors.ts';
export { Logger, type LogFormat, type Level } from './log.ts';
export { parseSignal, signalName, SIGNALS } from './signals.ts';
export { StateStore, validateId, type SavedState } from './state.ts';
export { statusOf, ociState, runcState, type Status } from './container.ts';
export { create, type CreateOptions } from './lifecycle/create.ts';
export { start } from './lifecycle/start.ts';
export { kill } from './lifecycle/kill.ts';
export { deleteContainer } from './lifecycle/delete.ts';
export { runHook, runHooks, HookError } from './hooks.ts';
export { SyncChannel, runProtocol, InitError } from './init-protocol.ts';
export type { Spec, State } from '@oci/spec';
