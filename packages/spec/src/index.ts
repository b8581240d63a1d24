// @oci/spec: OCI runtime-spec types, validators compiled at build time,
// semantic checks and the default config. See README.md "API".
export type * from './generated/types.ts';
export { SpecError, type SpecErrorCode } from './errors.ts';
export type { Problem } from './problem.ts';
export { validateConfig, validateState, validateFeatures, type ValidationResult } from './validate.ts';
export { checkConfig, checkWarnings, SUPPORTED_MAJOR, MOUNT_OPTIONS, type CheckOptions } from './check.ts';
export { parseConfig, loadConfig, parseState, parseFeatures, DEFAULT_MAX_BYTES, type ParseOptions } from './parse.ts';
export { defaultConfig, OCI_VERSION, type DefaultConfigOptions } from './default-config.ts';
export { stringify } from './stringify.ts';
export { CAPABILITIES } from './capabilities.ts';
export { RLIMITS } from './rlimits.ts';
