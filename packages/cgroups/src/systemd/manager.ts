/**
 * The systemd cgroup driver (runc --systemd-cgroup; libcontainer/cgroups/
 * systemd v2.go): the container's cgroup is a transient scope unit (or a
 * slice) that systemd creates, over D-Bus, with the resource properties
 * systemd manages; then the cgroup v2 manager writes every file on that
 * cgroup, including those systemd has no property for (Delegate=yes makes
 * that legitimate: systemd.resource-control(5) "Delegate=").
 *
 * Freeze, kill, stats, pids and OOM act on the unit's cgroup files through
 * the v2 manager, as runc's unifiedManager does.
 */
import path from 'node:path';
import { CgroupError } from '../errors.ts';
import { detect, type Detection } from '../detect.ts';
import { checkSavedPath, type FreezerState } from '../manager.ts';
import { V2Manager } from '../fs2/manager.ts';
import type { LinuxResources } from '../types.ts';
import type { Stats } from '../stats.ts';
import type { OOMEvent, OOMWatch } from '../oom.ts';
import { Systemd, systemdBooted, type Endpoint } from './client.ts';
import { annotationProperties, resourceProperties, unitProperties, type Property } from './properties.ts';
import { isSliceUnit, parseSystemdPath } from './unit.ts';

export interface SystemdManagerOptions {
  id: string;
  /** "slice:prefix:name" (config-linux.md); empty: system.slice, "oci-ts-<id>.scope". */
  cgroupsPath?: string;
  resources?: LinuxResources;
  /** `org.systemd.property.*` annotations become unit properties (runc docs/systemd-properties.md). */
  annotations?: Record<string, string>;
  detection?: Detection;
  /** D-Bus endpoints to try (tests; the user manager for rootless later). Default: system bus, then /run/systemd/private. */
  endpoints?: Endpoint[];
  /** Skip the sd_booted check (tests with a fake bus). */
  assumeBooted?: boolean;
}

export interface SystemdLoadOptions {
  resources?: LinuxResources;
  endpoints?: Endpoint[];
}

/** What state.json keeps to find the unit again (with `paths()`). */
export interface SystemdSaved {
  unit: string;
}

export class SystemdManager {
  readonly driver = 'systemd' as const;
  readonly warnings: string[] = [];
  readonly resources: LinuxResources | undefined;
  readonly unit: string;
  /** The parent slice (Slice= / Wants=). */
  readonly slice: string;
  private readonly fs: V2Manager;
  private readonly dir: string;
  private readonly endpoints: Endpoint[] | undefined;
  private readonly extra: Property[];
  private readonly name: string;

  constructor(o: { unit: string; slice: string; dir: string; name: string; resources?: LinuxResources; endpoints?: Endpoint[]; extra?: Property[]; enableFrom?: string }) {
    this.unit = o.unit;
    this.slice = o.slice;
    this.dir = o.dir;
    this.name = o.name;
    this.resources = o.resources;
    this.endpoints = o.endpoints;
    this.extra = o.extra ?? [];
    this.fs = new V2Manager(o.dir, { resources: o.resources, enableControllersFrom: o.enableFrom });
  }

  saved(): SystemdSaved {
    return { unit: this.unit };
  }

  paths(): Record<string, string> {
    return { '': this.dir };
  }

  createdParents(): string[] {
    return [];
  }

  exists(): boolean {
    return this.fs.exists();
  }

  private async withSystemd<T>(fn: (sd: Systemd) => Promise<T>): Promise<T> {
    const sd = await Systemd.connect(this.endpoints);
    try {
      return await fn(sd);
    } finally {
      sd.close();
    }
  }

  /**
   * Starts the unit with `pid` in it and the resources systemd manages, waits
   * for the job, then makes sure the cgroup exists with its controllers (the
   * pid of a slice is written to its cgroup here). A unit of that name that
   * already exists is reset and tried once more (runc startUnit: it may be a
   * leftover failed unit); a failed job is reported with the unit's Result.
   */
  async apply(pid: number): Promise<void> {
    await this.withSystemd(async (sd) => {
      const version = await sd.version();
      const props = [...unitProperties({ unit: this.unit, slice: this.slice, pid, name: this.name, extra: this.extra }), ...resourceProperties(this.resources, version, this.warnings)];
      let job;
      for (let attempt = 0; ; attempt++) {
        try {
          job = await sd.startTransientUnit(this.unit, props);
          break;
        } catch (e) {
          const name = (e as { dbusName?: string }).dbusName;
          if (name === 'org.freedesktop.systemd1.UnitExists' && attempt === 0) {
            await sd.resetFailedUnit(this.unit).catch(() => {});
            continue;
          }
          throw new CgroupError('ESYSTEMD', `cgroups: unable to start unit ${JSON.stringify(this.unit)}: ${(e as Error).message}`, { cause: e, value: this.unit });
        }
      }
      if (!job || job.result !== 'done') {
        const why = job ? `got \`${job.result}\`` : 'timed out after 30 s';
        const result = await this.unitResult(sd);
        await sd.resetFailedUnit(this.unit).catch(() => {});
        throw new CgroupError('ESYSTEMD', `cgroups: error creating systemd unit \`${this.unit}\`: ${why}${result ? ` (unit result: ${result})` : ''}`, { value: this.unit });
      }
    });
    // Scope: systemd put the pid there; writing it again is a no-op. Slice: this places it.
    this.fs.apply(isSliceUnit(this.unit) ? pid : -1);
  }

  private async unitResult(sd: Systemd): Promise<string | undefined> {
    const iface = isSliceUnit(this.unit) ? 'org.freedesktop.systemd1.Unit' : 'org.freedesktop.systemd1.Scope';
    try {
      const r = isSliceUnit(this.unit)
        ? await sd.unitProperty(this.unit, iface, 'ActiveState')
        : await sd.unitProperty(this.unit, iface, 'Result');
      return r === undefined ? undefined : String(r);
    } catch {
      return undefined;
    }
  }

  /** SetUnitProperties (runtime) with what systemd manages, then every file through the v2 manager (runc unifiedManager.Set). */
  async set(resources: LinuxResources | undefined = this.resources): Promise<void> {
    if (!resources) return;
    await this.withSystemd(async (sd) => {
      const props = resourceProperties(resources, await sd.version(), this.warnings);
      try {
        await sd.setUnitProperties(this.unit, props);
      } catch (e) {
        throw new CgroupError('ESYSTEMD', `cgroups: unable to set unit properties of ${JSON.stringify(this.unit)}: ${(e as Error).message}`, { cause: e, value: this.unit });
      }
    });
    this.fs.set(resources);
    for (const w of this.fs.warnings) if (!this.warnings.includes(w)) this.warnings.push(w);
  }

  update(resources: LinuxResources): Promise<void> {
    return this.set(resources);
  }

  freeze(): Promise<void> {
    return this.fs.freeze();
  }

  thaw(): Promise<void> {
    return this.fs.thaw();
  }

  freezerState(): FreezerState {
    return this.fs.freezerState();
  }

  killAll(signal: number): Promise<void> {
    return this.fs.killAll(signal);
  }

  stats(): Stats {
    return this.fs.stats();
  }

  pids(): number[] {
    return this.fs.pids();
  }

  oomKills(): number {
    return this.fs.oomKills();
  }

  watchOOM(listener: (e: OOMEvent) => void): OOMWatch {
    return this.fs.watchOOM(listener);
  }

  /**
   * Stops the unit and waits (systemd kills what is left), resets it if it
   * failed so systemd unloads it, then removes what systemd left of the
   * cgroup (sub-cgroups the container made: runc "systemd 239 does not
   * remove sub-cgroups").
   */
  async destroy(): Promise<void> {
    await this.withSystemd(async (sd) => {
      let r;
      try {
        r = await sd.stopUnit(this.unit);
      } catch (e) {
        throw new CgroupError('ESYSTEMD', `cgroups: unable to stop unit ${JSON.stringify(this.unit)}: ${(e as Error).message}`, { cause: e, value: this.unit });
      }
      await sd.resetFailedUnit(this.unit).catch(() => {});
      if (r === undefined) throw new CgroupError('ESYSTEMD', `cgroups: timed out while waiting for systemd to remove ${this.unit}`, { value: this.unit });
    });
    await this.fs.destroy();
  }
}

/**
 * A systemd manager for a new container. Fails before talking to anyone
 * when systemd is not PID 1 (sd_booted), when the host is not cgroup v2,
 * or when cgroupsPath is not "slice:prefix:name".
 */
export function createSystemdManager(o: SystemdManagerOptions): SystemdManager {
  const place = parseSystemdPath(o.id, o.cgroupsPath);
  const extra = annotationProperties(o.annotations);
  if (!o.assumeBooted && !systemdBooted()) {
    throw new CgroupError('ENOSYSTEMD', 'cgroups: systemd not running on this host, cannot use systemd cgroups manager (/run/systemd/system is missing: systemd is not PID 1)');
  }
  const d = o.detection ?? detect();
  if (d.mode !== 'v2' || !d.unified) {
    throw new CgroupError('ENOSYSTEMD', `cgroups: the systemd cgroup driver of oci-ts needs a pure cgroup v2 host (this one is ${d.mode}); run without --systemd-cgroup to use the cgroupfs driver`);
  }
  const root = d.unified.root;
  let rel = place.cgroup;
  if (root !== '/') {
    if (!rel.startsWith(root + '/')) throw new CgroupError('EPATH', `cgroups: the unit's cgroup ${rel} is outside this cgroup namespace (${root})`);
    rel = rel.slice(root.length);
  }
  return new SystemdManager({
    unit: place.unit,
    slice: place.slice,
    dir: path.join(d.unified.mountpoint, rel),
    name: o.cgroupsPath ? o.cgroupsPath.split(':')[2] : o.id,
    resources: o.resources,
    endpoints: o.endpoints,
    extra,
    enableFrom: d.unified.mountpoint,
  });
}

/** Reattaches to a container's unit from state.json (its `paths()` and `saved()`). */
export function loadSystemdManager(paths: Record<string, string>, saved: SystemdSaved, o: SystemdLoadOptions = {}): SystemdManager {
  const dir = paths?.[''];
  if (typeof dir !== 'string' || !checkSavedPath(dir)) throw new CgroupError('EPATH', `cgroups: saved cgroup2 path ${JSON.stringify(dir)} is not an absolute clean path`);
  const unit = saved?.unit;
  if (typeof unit !== 'string' || !/^[A-Za-z0-9_.\\-]+\.(scope|slice)$/.test(unit) || path.posix.basename(dir) !== unit) {
    throw new CgroupError('EPATH', `cgroups: saved systemd unit ${JSON.stringify(unit)} does not match the saved cgroup ${dir}`);
  }
  return new SystemdManager({ unit, slice: '', dir, name: unit, resources: o.resources, endpoints: o.endpoints });
}
