/**
 * Lazy, feature-detected access to the sibling packages. Each is imported only
 * by the commands that need it (fast start for `state`, `list`, `kill`), and a
 * missing function is reported with a clear error instead of being skipped:
 * oci-ts never runs a container with less confinement than its config asks.
 */
import { OciError } from './errors.ts';
import type { Spec } from './spec-types.ts';
import type { SeccompCompiler } from './compile/seccomp.ts';

type AnyFn = (...args: any[]) => any;
type Module = Record<string, unknown>;

async function load(name: string): Promise<Module> {
  try {
    switch (name) {
      // Literal specifiers so the bundler sees (and can split) each import.
      case '@oci/spec': return (await import('@oci/spec')) as unknown as Module;
      case '@oci/seccomp': return (await import('@oci/seccomp')) as unknown as Module;
      case '@oci/cgroups': return (await import('@oci/cgroups')) as unknown as Module;
      case '@oci/cgroups/systemd': return (await import('@oci/cgroups/systemd')) as unknown as Module;
      case '@oci/core': return (await import('@oci/core')) as unknown as Module;
    }
  } catch (e) {
    throw new OciError('EDEPENDENCY', `cannot load ${name}: ${(e as Error).message}`, { cause: e });
  }
  throw new OciError('EDEPENDENCY', `unknown module ${name}`);
}

export async function optionalFn<T extends AnyFn>(mod: string, fn: string): Promise<T | undefined> {
  let m: Module;
  try { m = await load(mod); } catch { return undefined; }
  const f = m[fn];
  return typeof f === 'function' ? (f as T) : undefined;
}

export async function requireFn<T extends AnyFn>(mod: string, fn: string, why: string): Promise<T> {
  const m = await load(mod);
  const f = m[fn];
  if (typeof f !== 'function') throw new OciError('EDEPENDENCY', `${why}: ${mod} does not provide ${fn}() yet`);
  return f as T;
}

/** @oci/spec parseConfig when available; otherwise JSON.parse plus the compiler's own checks. */
export async function parseConfigText(text: string): Promise<Spec> {
  const parse = await optionalFn<(t: string) => Spec>('@oci/spec', 'parseConfig');
  if (parse) return parse(text);
  try {
    return JSON.parse(text) as Spec;
  } catch (e) {
    throw new OciError('EJSON', `config.json: ${(e as Error).message}`, { cause: e });
  }
}

export async function seccompCompiler(): Promise<SeccompCompiler | undefined> {
  return optionalFn<SeccompCompiler>('@oci/seccomp', 'compile');
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
  const create = await requireFn<(o: typeof opts) => CgroupManager>('@oci/cgroups', 'createManager', 'cgroups are configured (linux.resources / linux.cgroupsPath)');
  return create(opts);
}

/** What state.json keeps of a systemd-managed cgroup (@oci/cgroups/systemd SystemdSaved). */
export interface SystemdSaved { unit: string }

/**
 * The systemd driver (--systemd-cgroup), from its own entry point: loaded
 * only by containers that use it.
 */
export async function systemdCgroupManager(opts: { id: string; cgroupsPath?: string; resources?: Record<string, unknown>; annotations?: Record<string, string> }): Promise<CgroupManager & { saved(): SystemdSaved }> {
  const create = await requireFn<(o: typeof opts) => CgroupManager & { saved(): SystemdSaved }>('@oci/cgroups/systemd', 'createSystemdManager', '--systemd-cgroup');
  return create(opts);
}

/** Reattaches to a systemd-managed container's unit (update, delete). */
export async function loadSystemdCgroups(paths: Record<string, string>, saved: SystemdSaved): Promise<CgroupManager & { update(r: Record<string, unknown>): Promise<void>; warnings?: string[] }> {
  const load = await requireFn<(p: Record<string, string>, s: SystemdSaved) => any>('@oci/cgroups/systemd', 'loadSystemdManager', 'the container\'s systemd unit');
  return load(paths, saved);
}

export async function core(): Promise<Module> {
  return load('@oci/core');
}
