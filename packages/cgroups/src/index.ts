/**
 * @oci/cgroups: cgroup v1, v2 and hybrid manager for OCI linux.resources.
 * The public surface is this module (the package's `exports` map).
 */
export { detect, parseMountinfo, parseProcCgroup, type Detection, type DetectOptions, type CgroupMode, type Mountpoint } from './detect.ts';
export { createManager, loadManager } from './create.ts';
export type { Manager as ManagerInterface, ManagerOptions, LoadOptions, FreezerState } from './manager.ts';
export { CgroupError, type CgroupErrorCode } from './errors.ts';
export { cleanPath, innerPath } from './path.ts';
export { sharesToWeight, weightToShares, blkioWeightToIoWeight, memorySwapToV2 } from './convert.ts';
export { compileDeviceProgram, evaluateRules, decode as decodeDeviceProgram, type DeviceProgram, type DeviceRequest } from './devices/ebpf.ts';
export { runDeviceProgram } from './devices/interp.ts';
export type { OOMEvent, OOMWatch } from './oom.ts';
export type * from './types.ts';
export type * from './stats.ts';

import { loadManager } from './create.ts';
import type { Manager as M } from './manager.ts';
export type Manager = M;
/** `Manager.fromState(paths)`: the same as `loadManager`. */
export const Manager = { fromState: loadManager };
