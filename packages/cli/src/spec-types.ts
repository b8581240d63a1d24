/**
 * The subset of the runtime-spec config the CLI reads, typed structurally so
 * that @oci/spec's `Spec` (the full Go-named types) is assignable to it. Kept
 * local so the CLI compiles against the agreed API whatever stage @oci/spec's
 * own type exports are at.
 */
export interface Hook { path: string; args?: string[]; env?: string[]; timeout?: number }
export interface Hooks {
  prestart?: Hook[]; createRuntime?: Hook[]; createContainer?: Hook[]; startContainer?: Hook[];
  poststart?: Hook[]; poststop?: Hook[];
}
export interface Mount { destination: string; source?: string; type?: string; options?: string[]; uidMappings?: IdMap[]; gidMappings?: IdMap[] }
export interface IdMap { containerID: number; hostID: number; size: number }
export interface LinuxDevice { path: string; type: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }
export interface LinuxNamespace { type: string; path?: string }
export interface POSIXRlimit { type: string; hard: number | bigint; soft: number | bigint }
export interface LinuxCapabilities { bounding?: string[]; effective?: string[]; inheritable?: string[]; permitted?: string[]; ambient?: string[] }
export interface Process {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: { uid: number; gid: number; umask?: number; additionalGids?: number[]; username?: string };
  args?: string[];
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: LinuxCapabilities;
  rlimits?: POSIXRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  ioPriority?: { class: string; priority: number };
  scheduler?: { policy: string; nice?: number; priority?: number; flags?: string[]; runtime?: number | bigint; deadline?: number | bigint; period?: number | bigint };
}
export interface LinuxSeccomp { defaultAction: string; [k: string]: unknown }
export interface Linux {
  uidMappings?: IdMap[];
  gidMappings?: IdMap[];
  sysctl?: Record<string, string>;
  resources?: Record<string, unknown>;
  cgroupsPath?: string;
  namespaces?: LinuxNamespace[];
  devices?: LinuxDevice[];
  seccomp?: LinuxSeccomp;
  rootfsPropagation?: string;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  personality?: { domain: string; flags?: string[] };
  timeOffsets?: Record<string, { secs?: number; nanosecs?: number }>;
  intelRdt?: unknown;
}
export interface Spec {
  ociVersion: string;
  process?: Process;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: Mount[];
  hooks?: Hooks;
  annotations?: Record<string, string>;
  linux?: Linux;
  [k: string]: unknown;
}

/** runtime-spec state (runtime.md "State"). */
export interface State {
  ociVersion: string;
  id: string;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}
