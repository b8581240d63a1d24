/**
 * The cgroup v1 manager (also for hybrid hosts: v1 controllers decide, and
 * the process joins the cgroup2 hierarchy too, at paths[""], which carries
 * `unified` keys and cgroup.kill).
 */
import fs from 'node:fs';
import type { LinuxResources } from '../types.ts';
import type { Detection } from '../detect.ts';
import type { FreezerState, Manager } from '../manager.ts';
import { v1Controllers } from './index.ts';
import { freezeV1, freezerStateV1, thawV1 } from './freezer.ts';
import { transaction, writeFile, exists as fileExists } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { isSet } from '../convert.ts';
import { emptyStats, type Stats } from '../stats.ts';
import { mkdirTracked, procsRecursive, removeCgroup, removeCreatedParents, signalEach, subdirsDeepestFirst, waitEmpty } from '../common.ts';
import { unified } from '../fs2/unified.ts';
import { oomKillsV1, watchOOMv1, type OOMEvent, type OOMWatch } from '../oom.ts';
import { freezeV2, freezerStateV2, thawV2 } from '../fs2/freezer.ts';
import { hugetlb as hugetlbV2 } from '../fs2/hugetlb.ts';

const SIGKILL = 9;

/** The config field each v1 controller sets, for errors (config-linux.md "Control groups"). */
const FIELD: Record<string, string> = {
  cpuset: 'linux.resources.cpu.cpus/mems', devices: 'linux.resources.devices', memory: 'linux.resources.memory',
  cpu: 'linux.resources.cpu', pids: 'linux.resources.pids', blkio: 'linux.resources.blockIO',
  hugetlb: 'linux.resources.hugepageLimits', net_cls: 'linux.resources.network.classID',
  net_prio: 'linux.resources.network.priorities', rdma: 'linux.resources.rdma',
};

/**
 * Refuses resources this host cannot apply, before any cgroup is made:
 * config.md "a runtime MUST generate an error" for values it cannot apply
 * (runc: `cannot set net_cls limit: container could not join or create
 * cgroup`). `mounted`: the v1 controllers with a hierarchy; `v2`: the
 * controllers of the hybrid host's cgroup2 root, the only ones `unified`
 * keys can reach (none here: runc `cannot use unified on cgroup v1`).
 */
export function checkV1Resources(resources: LinuxResources | undefined, mounted: Set<string>, v2: string[]): void {
  if (!resources) return;
  for (const c of v1Controllers) {
    if (c.wants(resources) && !mounted.has(c.name)) {
      const field = FIELD[c.name] ?? c.name;
      throw new CgroupError('ENOTSUPPORTED', `cgroups: cannot set ${field}: the ${c.name} controller is not mounted on this host`, { resource: field });
    }
  }
  for (const key of Object.keys(resources.unified ?? {})) {
    const ctrl = key.split('.')[0];
    if (ctrl !== 'cgroup' && !v2.includes(ctrl)) {
      const have = v2.length ? `its cgroup v2 controllers are: ${v2.join(' ')}` : 'it has no cgroup v2 controllers';
      throw new CgroupError('EINVALID', `invalid configuration: cannot set linux.resources.unified[${JSON.stringify(key)}]: the ${ctrl} controller is not on this host's cgroup v2 hierarchy (${have})`, { resource: `unified.${key}`, value: key });
    }
  }
}

export class V1Manager implements Manager {
  readonly driver = 'v1' as const;
  readonly warnings: string[] = [];
  readonly resources: LinuxResources | undefined;
  private readonly p: Record<string, string>;
  private readonly d: Detection;
  private readonly created: string[];

  constructor(paths: Record<string, string>, detection: Detection, opts: { resources?: LinuxResources; created?: string[] } = {}) {
    this.p = { ...paths };
    this.d = detection;
    this.resources = opts.resources;
    this.created = [...(opts.created ?? [])];
  }

  paths(): Record<string, string> {
    return { ...this.p };
  }

  /** Directories made by this manager that were not leafs (for state). */
  createdParents(): string[] {
    const leafs = new Set(Object.values(this.p));
    return this.created.filter((d) => !leafs.has(d));
  }

  private uniqueDirs(): string[] {
    return [...new Set(Object.values(this.p))];
  }

  exists(): boolean {
    return this.uniqueDirs().some((d) => fs.existsSync(d));
  }

  apply(pid: number): void {
    const madeNow: string[] = [];
    try {
      for (const [ctrl, dir] of Object.entries(this.p)) {
        const made = mkdirTracked(dir);
        madeNow.push(...made);
        if (ctrl !== '') {
          const c = v1Controllers.find((x) => x.name === ctrl);
          const m = this.d.v1[ctrl];
          if (c?.init && m) c.init(dir, m.mountpoint);
        }
      }
      if (pid > 0) for (const dir of this.uniqueDirs()) writeFile(dir, 'cgroup.procs', String(pid), 'cgroup.procs');
    } catch (err) {
      // Leave nothing behind from this call (design: a failed create leaves no cgroup).
      for (const d of madeNow.reverse()) {
        try {
          fs.rmdirSync(d);
        } catch {
          // not empty (the pid joined some): destroy() will handle it
        }
      }
      throw err;
    }
    for (const d of madeNow) if (!this.created.includes(d)) this.created.push(d);
  }

  set(resources: LinuxResources | undefined = this.resources): void {
    if (!resources) return;
    if (isSet(resources.memory?.kernel)) {
      const msg = 'cgroups: memory.kernel (kmem limit) is deprecated by the kernel and ignored, as runc does';
      if (!this.warnings.includes(msg)) this.warnings.push(msg);
    }
    transaction((j) => {
      for (const c of v1Controllers) {
        if (!c.wants(resources)) continue;
        const dir = this.p[c.name];
        if (!dir) checkV1Resources(resources, new Set(Object.keys(this.p)), this.d.unifiedControllers);
        c.set(dir!, resources, j);
      }
      if (unified.wants(resources)) {
        const dir = this.p[''];
        if (!dir) throw new CgroupError('ENOTSUPPORTED', 'cgroups: unified: cgroup v2 resources need a cgroup2 hierarchy, and this host has only v1', { resource: 'unified' });
        unified.set(dir, resources, j, (msg) => {
          if (!this.warnings.includes(msg)) this.warnings.push(msg);
        });
      }
    });
  }

  update(resources: LinuxResources): void {
    this.set(resources);
  }

  /**
   * Where to freeze: the v1 freezer, or on a hybrid host without one the
   * cgroup2 side (cgroup.freeze, Linux 5.2), which holds the same processes.
   */
  private freezer(): { v1: string } | { v2: string } {
    if (this.p.freezer) return { v1: this.p.freezer };
    const u = this.p[''];
    if (u && fileExists(u, 'cgroup.freeze')) return { v2: u };
    throw new CgroupError('ENOTSUPPORTED', 'cgroups: freezer: no freezer controller is mounted and there is no cgroup2 cgroup.freeze', { resource: 'freezer' });
  }

  async freeze(): Promise<void> {
    const f = this.freezer();
    await ('v1' in f ? freezeV1(f.v1) : freezeV2(f.v2));
  }

  async thaw(): Promise<void> {
    const f = this.freezer();
    await ('v1' in f ? thawV1(f.v1) : thawV2(f.v2));
  }

  freezerState(): FreezerState {
    const f = this.freezer();
    return 'v1' in f ? freezerStateV1(f.v1) : freezerStateV2(f.v2);
  }

  /** The directory whose cgroup.procs lists the container's processes. */
  private procsDir(): string | undefined {
    for (const k of ['freezer', 'pids', 'memory', 'cpu', 'devices', '']) if (this.p[k] && fs.existsSync(this.p[k])) return this.p[k];
    return this.uniqueDirs().find((d) => fs.existsSync(d));
  }

  pids(): number[] {
    const dir = this.procsDir();
    return dir ? procsRecursive(dir) : [];
  }

  private isEmpty(): boolean {
    return this.uniqueDirs().every((d) => !fs.existsSync(d) || procsRecursive(d).length === 0);
  }

  async killAll(signal: number): Promise<void> {
    if (!this.exists()) return;
    const u = this.p[''];
    if (signal === SIGKILL && u && fileExists(u, 'cgroup.kill')) {
      // Hybrid: the process is in the cgroup2 hierarchy too, and cgroup.kill
      // (Linux 5.14) kills every process there atomically, forks included.
      for (const d of [u, ...subdirsDeepestFirst(u)]) if (fileExists(d, 'cgroup.kill')) writeFile(d, 'cgroup.kill', '1', 'cgroup.kill');
      // Tasks frozen by the v1 freezer act on SIGKILL only once thawed
      // (cgroup-v1/freezer-subsystem.rst), so a paused container is thawed.
      if (this.p.freezer && fs.existsSync(this.p.freezer) && freezerStateV1(this.p.freezer) !== 'thawed') await thawV1(this.p.freezer);
    } else {
      // Freeze, signal, thaw: nothing can fork a new process between
      // reading cgroup.procs and the signal (runc signalAllProcesses).
      let frozen = false;
      try {
        this.freezer();
        frozen = this.exists();
      } catch {
        // no freezer at all: signal without freezing
      }
      if (frozen) await this.freeze();
      try {
        signalEach(this.pids(), signal);
      } finally {
        if (frozen) await this.thaw();
      }
    }
    if (signal === SIGKILL) await waitEmpty(() => this.isEmpty(), this.procsDir() ?? 'cgroup', 10_000);
  }

  /**
   * runc's fs GetStats: each saved controller that has statistics. A saved
   * key that names no cgroup v1 controller, or a cgroup that no longer
   * exists, is an error: zeros would read as an idle container.
   */
  stats(): Stats {
    for (const k of Object.keys(this.p)) {
      if (k !== '' && !k.startsWith('name=') && !v1Controllers.some((c) => c.name === k)) {
        throw new CgroupError('EINVALID', `cgroups: stats: unknown cgroup v1 controller ${JSON.stringify(k)}`, { resource: k, file: this.p[k] });
      }
    }
    if (!this.exists()) throw new CgroupError('ENOCGROUP', `cgroups: stats: the cgroup does not exist: ${this.uniqueDirs().join(', ')}`, { file: this.uniqueDirs()[0] });
    const s = emptyStats();
    for (const c of v1Controllers) {
      const dir = this.p[c.name];
      if (c.stats && dir && fs.existsSync(dir)) c.stats(dir, s);
    }
    // Hybrid: hugetlb may live on the cgroup2 side (as on this project's host).
    const u = this.p[''];
    if (!this.p.hugetlb && u && fs.existsSync(u)) hugetlbV2.stats!(u, s);
    return s;
  }

  oomKills(): number {
    return this.p.memory ? oomKillsV1(this.p.memory) : 0;
  }

  watchOOM(listener: (e: OOMEvent) => void): OOMWatch {
    if (!this.p.memory) throw new CgroupError('ENOTSUPPORTED', 'cgroups: OOM events need the memory controller', { resource: 'memory' });
    return watchOOMv1(this.p.memory, listener);
  }

  async destroy(): Promise<void> {
    if (this.exists() && !this.isEmpty()) await this.killAll(SIGKILL);
    for (const d of this.uniqueDirs()) {
      if (this.p.freezer === d && fs.existsSync(d)) {
        // A frozen cgroup with exiting tasks never empties: thaw first.
        try {
          await thawV1(d, 1000);
        } catch {
          // removal below reports the real problem
        }
      }
      await removeCgroup(d);
    }
    removeCreatedParents(this.created, new Set(Object.values(this.p)));
  }
}
