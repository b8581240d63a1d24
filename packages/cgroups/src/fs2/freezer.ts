/**
 * v2 freezer (cgroup-v2.rst "Core Interface Files": cgroup.freeze,
 * cgroup.events "frozen"). Writing 1 starts freezing; the cgroup is frozen
 * once cgroup.events says "frozen 1", so wait for that.
 */
import { readFile, sleep, writeFile } from '../file.ts';
import { CgroupError } from '../errors.ts';
import { parseKeyValues } from '../stats.ts';

export function events(dir: string): Record<string, number> {
  return parseKeyValues(readFile(dir, 'cgroup.events'));
}

async function setFrozen(dir: string, frozen: 0 | 1, timeoutMs: number): Promise<void> {
  writeFile(dir, 'cgroup.freeze', String(frozen), 'freezer');
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const e = events(dir);
    if (e.frozen === frozen) return;
    if (Date.now() > deadline) {
      if (frozen) writeFile(dir, 'cgroup.freeze', '0', 'freezer');
      throw new CgroupError('EFREEZE', `cgroups: freezer: ${dir} did not become ${frozen ? 'frozen' : 'thawed'} in ${timeoutMs} ms`, { resource: 'freezer', file: `${dir}/cgroup.freeze`, value: String(frozen) });
    }
    await sleep(Math.min(10, 1 + i));
  }
}

export const freezeV2 = (dir: string, timeoutMs = 10_000) => setFrozen(dir, 1, timeoutMs);
export const thawV2 = (dir: string, timeoutMs = 10_000) => setFrozen(dir, 0, timeoutMs);

export function freezerStateV2(dir: string): 'frozen' | 'thawed' | 'freezing' {
  const want = readFile(dir, 'cgroup.freeze') === '1';
  const e = events(dir);
  if (e.frozen === 1) return 'frozen';
  return want ? 'freezing' : 'thawed';
}
