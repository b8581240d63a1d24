/**
 * The sibling packages, imported lazily and typed. Each is a hard dependency
 * of oci-ts (package.json `dependencies`): a missing one is an install error
 * reported as EDEPENDENCY, never a reason to skip validation, confinement or
 * a cgroup (fail closed, issue 19 item 7). The dynamic imports only keep
 * `state`, `list` and `kill` from loading what they do not use; the literal
 * specifiers let the bundler split each into its own chunk.
 */
import type { LinuxResources, Spec } from '@oci/spec';
import { OciError } from './errors.ts';
import type { SeccompCompiler } from './compile/seccomp.ts';

type SpecModule = typeof import('@oci/spec');
type SeccompModule = typeof import('@oci/seccomp');
type CgroupsModule = typeof import('@oci/cgroups');
type SystemdModule = typeof import('@oci/cgroups/systemd');
type CoreModule = typeof import('@oci/core');

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (e) {
    throw new OciError('EDEPENDENCY', `cannot load ${name} (a dependency of oci-ts; reinstall oci-ts): ${(e as Error).message}`, { cause: e });
  }
}

/** @oci/spec: types, validator, default config. */
export function spec(): Promise<SpecModule> {
  return load('@oci/spec', () => import('@oci/spec'));
}

/** @oci/seccomp: the linux.seccomp → BPF compiler. */
export function seccomp(): Promise<SeccompModule> {
  return load('@oci/seccomp', () => import('@oci/seccomp'));
}

/** @oci/cgroups: the cgroupfs driver. */
export function cgroups(): Promise<CgroupsModule> {
  return load('@oci/cgroups', () => import('@oci/cgroups'));
}

/** @oci/cgroups/systemd: loaded only by containers that use --systemd-cgroup. */
export function systemd(): Promise<SystemdModule> {
  return load('@oci/cgroups/systemd', () => import('@oci/cgroups/systemd'));
}

/** @oci/core: the native syscalls and the init executor. */
export function core(): Promise<CoreModule> {
  return load('@oci/core', () => import('@oci/core'));
}

/** Parses and validates config.json text with @oci/spec (schema and semantic checks). */
export async function parseConfigText(text: string): Promise<Spec> {
  return (await spec()).parseConfig(text);
}

/** @oci/seccomp's compile(). */
export async function seccompCompiler(): Promise<SeccompCompiler> {
  return (await seccomp()).compile;
}

/** The subset of @oci/cgroups' Manager the lifecycle uses. */
export interface CgroupManager {
  apply(pid: number): void | Promise<void>;
  set(resources: Record<string, unknown>): void | Promise<void>;
  destroy(): Promise<void>;
  paths(): Record<string, string>;
  createdParents?(): string[];
  killAll?(signal: number): Promise<void>;
  freeze?(): Promise<void>;
  thaw?(): Promise<void>;
  exists?(): boolean;
  pids?(): number[];
  freezerState?(): 'frozen' | 'thawed' | 'freezing';
}

export async function cgroupManager(opts: { id: string; cgroupsPath?: string; systemd?: boolean; resources?: Record<string, unknown> }): Promise<CgroupManager> {
  return (await cgroups()).createManager({ ...opts, resources: opts.resources as LinuxResources | undefined }) as CgroupManager;
}

/** What state.json keeps of a systemd-managed cgroup (@oci/cgroups/systemd SystemdSaved). */
export interface SystemdSaved { unit: string }

/**
 * The systemd driver (--systemd-cgroup), from its own entry point: loaded
 * only by containers that use it.
 */
export async function systemdCgroupManager(opts: { id: string; cgroupsPath?: string; resources?: Record<string, unknown>; annotations?: Record<string, string> }): Promise<CgroupManager & { saved(): SystemdSaved }> {
  return (await systemd()).createSystemdManager({ ...opts, resources: opts.resources as LinuxResources | undefined }) as CgroupManager & { saved(): SystemdSaved };
}

/** Reattaches to a systemd-managed container's unit (update, delete). */
export async function loadSystemdCgroups(paths: Record<string, string>, saved: SystemdSaved): Promise<CgroupManager & { update(r: Record<string, unknown>): Promise<void>; warnings?: string[] }> {
  return (await systemd()).loadSystemdManager(paths, saved) as unknown as CgroupManager & { update(r: Record<string, unknown>): Promise<void>; warnings?: string[] };
}
