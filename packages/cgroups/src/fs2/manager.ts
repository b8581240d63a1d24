/** The cgroup v2 manager: one directory in the unified hierarchy. */
import fs from 'node:fs';
import path from 'node:path';
import type { LinuxResources } from '../types.ts';
import type { FreezerState, Manager } from '../manager.ts';
import { v2Groups } from './index.ts';
import { freezeV2, freezerStateV2, thawV2, events } from './freezer.ts';
import { readOptional, transaction, writeFile, exists as fileExists } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { emptyStats, type Stats } from '../stats.ts';
import { mkdirTracked, procsRecursive, removeCgroup, removeCreatedParents, signalEach, waitEmpty } from '../common.ts';
import { oomKillsV2, watchOOMv2, type OOMEvent, type OOMWatch } from '../oom.ts';

const SIGKILL = 9;

export interface V2Options {
  resources?: LinuxResources;
  created?: string[];
  /**
   * The cgroup2 mountpoint: when set, `apply` enables every available
   * controller in each ancestor's cgroup.subtree_control from there down, as
   * runc's fs2 CreateCgroupPath does. Leave unset on a hybrid host (its
   * cgroup2 root is not ours to reconfigure) and for fake trees.
   */
  enableControllersFrom?: string;
}

export class V2Manager implements Manager {
  readonly driver = 'v2' as const;
  readonly warnings: string[] = [];
  readonly resources: LinuxResources | undefined;
  private readonly dir: string;
  private readonly created: string[];
  private readonly enableFrom: string | undefined;

  constructor(dir: string, opts: V2Options = {}) {
    this.dir = dir;
    this.resources = opts.resources;
    this.created = [...(opts.created ?? [])];
    this.enableFrom = opts.enableControllersFrom;
  }

  paths(): Record<string, string> {
    return { '': this.dir };
  }

  createdParents(): string[] {
    return this.created.filter((d) => d !== this.dir);
  }

  exists(): boolean {
    return fs.existsSync(this.dir);
  }

  /**
   * Enables controllers in every ancestor of our cgroup from the mountpoint
   * down (the leaf keeps none: "no internal processes", cgroup-v2.rst). Runs
   * after the directories exist: a parent made for a nested cgroupsPath
   * must get them too, or the leaf would have no controllers (runc fs2
   * CreateCgroupPath enables each level right after its mkdir).
   */
  private enableControllers(): void {
    const root = this.enableFrom;
    if (!root || !this.dir.startsWith(root + '/')) return;
    const chain: string[] = [];
    for (let d = path.dirname(this.dir); d.length >= root.length; d = path.dirname(d)) {
      chain.unshift(d);
      if (d === root) break;
    }
    for (const d of chain) {
      const avail = (readOptional(d, 'cgroup.controllers') ?? '').split(/\s+/).filter(Boolean);
      const on = new Set((readOptional(d, 'cgroup.subtree_control') ?? '').split(/\s+/).filter(Boolean));
      const want = avail.filter((c) => !on.has(c));
      if (!want.length) continue;
      try {
        writeFile(d, 'cgroup.subtree_control', want.map((c) => `+${c}`).join(' '), 'cgroup.subtree_control');
      } catch {
        // One by one, ignoring failures (a threaded or busy parent refuses
        // some), like runc; set() then reports a missing controller clearly.
        for (const c of want) {
          try {
            writeFile(d, 'cgroup.subtree_control', `+${c}`, 'cgroup.subtree_control');
          } catch {
            // see above
          }
        }
      }
    }
  }

  apply(pid: number): void {
    let made: string[] = [];
    try {
      made = mkdirTracked(this.dir);
      this.enableControllers();
      if (pid > 0) writeFile(this.dir, 'cgroup.procs', String(pid), 'cgroup.procs');
    } catch (err) {
      for (const d of made.reverse()) {
        try {
          fs.rmdirSync(d);
        } catch {
          // not empty
        }
      }
      throw err;
    }
    for (const d of made) if (!this.created.includes(d)) this.created.push(d);
  }

  set(resources: LinuxResources | undefined = this.resources): void {
    if (!resources) return;
    const controllers = readOptional(this.dir, 'cgroup.controllers');
    const avail = controllers === undefined ? undefined : new Set(controllers.split(/\s+/).filter(Boolean));
    if (resources.network && (resources.network.classID !== undefined || resources.network.priorities?.length)) {
      const msg = 'cgroups: network (net_cls/net_prio) has no cgroup v2 controller; it is ignored';
      if (!this.warnings.includes(msg)) this.warnings.push(msg);
    }
    const mem = resources.memory;
    if (mem && (mem.kernel || mem.kernelTCP || mem.swappiness !== undefined || mem.disableOOMKiller)) {
      const msg = 'cgroups: memory.kernel, kernelTCP, swappiness and disableOOMKiller have no cgroup v2 file; they are ignored';
      if (!this.warnings.includes(msg)) this.warnings.push(msg);
    }
    transaction((j) => {
      for (const g of v2Groups) {
        if (!g.wants(resources)) continue;
        if (g.controller && avail && !avail.has(g.controller)) {
          throw new CgroupError('ENOTSUPPORTED', `cgroups: ${g.name}: the ${g.controller} controller is not enabled for ${this.dir} (cgroup.controllers: "${controllers}")`, { resource: g.name, file: path.join(this.dir, 'cgroup.controllers') });
        }
        g.set(this.dir, resources, j, (msg) => {
          if (!this.warnings.includes(msg)) this.warnings.push(msg);
        });
      }
    });
  }

  update(resources: LinuxResources): void {
    this.set(resources);
  }

  freeze(): Promise<void> {
    return freezeV2(this.dir);
  }

  thaw(): Promise<void> {
    return thawV2(this.dir);
  }

  freezerState(): FreezerState {
    return freezerStateV2(this.dir);
  }

  pids(): number[] {
    return this.exists() ? procsRecursive(this.dir) : [];
  }

  /** cgroup.events "populated 0": no process here or below (cgroup-v2.rst). */
  private isEmpty(): boolean {
    if (!this.exists()) return true;
    return events(this.dir).populated === 0;
  }

  async killAll(signal: number): Promise<void> {
    if (!this.exists()) return;
    if (signal === SIGKILL && fileExists(this.dir, 'cgroup.kill')) {
      writeFile(this.dir, 'cgroup.kill', '1', 'cgroup.kill');
      // v2 frozen tasks die on SIGKILL (cgroup-v2.rst); thaw anyway so the
      // cgroup is left as runc leaves it, not frozen.
      if (readOptional(this.dir, 'cgroup.freeze') === '1') await thawV2(this.dir);
    } else {
      await this.freeze();
      try {
        signalEach(this.pids(), signal);
      } finally {
        await this.thaw();
      }
    }
    if (signal === SIGKILL) await waitEmpty(() => this.isEmpty(), this.dir, 10_000);
  }

  stats(): Stats {
    // A removed cgroup is an error, not zeros (which would read as an idle container).
    if (!this.exists()) throw new CgroupError('ENOCGROUP', `cgroups: stats: the cgroup does not exist: ${this.dir}`, { file: this.dir });
    const s = emptyStats();
    for (const g of v2Groups) if (g.stats) g.stats(this.dir, s);
    return s;
  }

  oomKills(): number {
    return oomKillsV2(this.dir);
  }

  watchOOM(listener: (e: OOMEvent) => void): OOMWatch {
    return watchOOMv2(this.dir, listener);
  }

  async destroy(): Promise<void> {
    if (this.exists() && !this.isEmpty()) await this.killAll(SIGKILL);
    if (this.exists() && readOptional(this.dir, 'cgroup.freeze') === '1') {
      try {
        await thawV2(this.dir, 1000);
      } catch {
        // removal reports the real problem
      }
    }
    await removeCgroup(this.dir);
    removeCreatedParents(this.created, new Set([this.dir]));
  }
}
