/**
 * v1 freezer (cgroup-v1/freezer-subsystem.rst): writing FROZEN starts
 * freezing; freezer.state reads FREEZING until every task is stopped, so the
 * caller polls. A task in an uninterruptible sleep can keep a cgroup in
 * FREEZING; like runc, the write is repeated, with a THAWED in between now
 * and then to let such tasks make progress.
 */
import type { V1Controller } from './controller.ts';
import { readFile, sleep, writeFile } from '../file.ts';
import { CgroupError } from '../errors.ts';

export const freezer: V1Controller = {
  name: 'freezer',
  wants: () => false,
  set() {},
};

export async function freezeV1(dir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    if (i % 50 === 49) {
      writeFile(dir, 'freezer.state', 'THAWED', 'freezer');
      await sleep(1);
    }
    writeFile(dir, 'freezer.state', 'FROZEN', 'freezer');
    const state = readFile(dir, 'freezer.state');
    if (state === 'FROZEN') return;
    if (Date.now() > deadline) {
      writeFile(dir, 'freezer.state', 'THAWED', 'freezer');
      throw new CgroupError('EFREEZE', `cgroups: freezer: ${dir} is still ${state} after ${timeoutMs} ms`, { resource: 'freezer', file: `${dir}/freezer.state`, value: 'FROZEN' });
    }
    await sleep(Math.min(10, 1 + i));
  }
}

export async function thawV1(dir: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    writeFile(dir, 'freezer.state', 'THAWED', 'freezer');
    const state = readFile(dir, 'freezer.state');
    if (state === 'THAWED') return;
    if (Date.now() > deadline) throw new CgroupError('EFREEZE', `cgroups: freezer: ${dir} is still ${state} after ${timeoutMs} ms`, { resource: 'freezer', file: `${dir}/freezer.state`, value: 'THAWED' });
    await sleep(Math.min(10, 1 + i));
  }
}

export function freezerStateV1(dir: string): 'frozen' | 'thawed' | 'freezing' {
  const s = readFile(dir, 'freezer.state');
  return s === 'FROZEN' ? 'frozen' : s === 'FREEZING' ? 'freezing' : 'thawed';
}
