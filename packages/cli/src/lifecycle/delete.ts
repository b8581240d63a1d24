/**
 * `delete [--force] ID` (runtime.md "Operations: Delete", runc delete): a
 * stopped or created container is removed; a running or paused one only with
 * --force (SIGKILL to every process, then removal). Removal: wait for the init
 * to be gone, destroy the cgroups, run poststop hooks (warnings only,
 * runtime.md step 12), remove the state directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ociState, statusOf } from '../container.ts';
import { OciError } from '../errors.ts';
import { runHooksCollect } from '../hooks.ts';
import type { Logger } from '../log.ts';
import { waitGone } from '../proc.ts';
import type { StateStore } from '../state.ts';
import { cgroupPids, destroyCgroups } from './cgroup.ts';

export async function deleteContainer(store: StateStore, id: string, force: boolean, logger: Logger): Promise<void> {
  const release = await store.lock(id);
  try {
    let s;
    try {
      s = store.read(id);
    } catch (e) {
      // A create killed before its first state write leaves a bare directory: runc removes it too.
      if ((e as OciError).code === 'ENOTEXIST' && store.exists(id)) {
        store.remove(id);
        if (force) return;
      }
      if (force && (e as OciError).code === 'ENOTEXIST') return;
      if (force && (e as OciError).code === 'ESTATE') {
        // An unreadable state.json (damaged, a FIFO, a device): -f still
        // removes the entry so the id is usable again; what it described
        // cannot be found from it.
        logger.warn(`delete ${id}: ${(e as Error).message}; removing its state directory`);
        store.remove(id);
        return;
      }
      throw e;
    }
    const status = statusOf(store, s);
    if ((status === 'running' || status === 'paused' || status === 'creating') && !force) {
      throw new OciError('ENOTSTOPPED', `cannot delete container ${id} that is not stopped: ${status}`);
    }
    logger.debug('delete', { id, status, force, pid: s.pid });
    if (status !== 'stopped') {
      for (const pid of cgroupPids(s.cgroupPaths ?? {})) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      // A frozen cgroup's tasks cannot die until thawed (cgroup v1 freezer).
      thaw(s.cgroupPaths ?? {});
      for (const pid of [s.pid, s.stage1Pid ?? 0]) if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
      if (!(await waitGone(s.pid, s.pidStartTime, 10_000))) throw new OciError('EBUSY', `container ${id}: init ${s.pid} did not exit after SIGKILL`);
    }
    // "stopped" is judged by the recorded pid: when it was replaced (the
    // init's pid reused after a restart of the host's pid space, a state
    // file rewritten) the container's processes still live in its cgroups.
    // They are found there and killed, whatever the status said (issue 13;
    // runc leaves them running).
    await killCgroupLeft(s.cgroupPaths ?? {});
    await destroyCgroups(s.cgroupPaths ?? {}, s.cgroupCreated, s.cgroupSystemd);
    logger.debug('delete: cgroups removed', { id, paths: s.cgroupPaths ?? {} });
    fs.rmSync(store.fifoPath(id), { force: true });
    const errors = await runHooksCollect('poststop', s.hooks?.poststop, JSON.stringify(ociState(s, 'stopped')), logger);
    for (const e of errors) logger.warn(e.message);
    store.remove(id);
    logger.debug('delete: state removed', { id });
  } finally {
    release();
  }
}

function thaw(paths: Record<string, string>) {
  try { if (paths.freezer) fs.writeFileSync(`${paths.freezer}/freezer.state`, 'THAWED'); } catch { /* not frozen or gone */ }
}

async function killCgroupLeft(paths: Record<string, string>): Promise<void> {
  // Never a hierarchy's root (a cgroupsPath of "/"): that is every process.
  if (Object.values(paths).some(isMountRoot)) return;
  for (let i = 0; i < 500; i++) {
    const pids = cgroupPids(paths);
    // Nor a cgroup this command itself is in.
    if (pids.length === 0 || pids.includes(process.pid)) return;
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    thaw(paths);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function isMountRoot(p: string): boolean {
  try { return fs.statSync(p).dev !== fs.statSync(path.dirname(p)).dev; } catch { return false; }
}
