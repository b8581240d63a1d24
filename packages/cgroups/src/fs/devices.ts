/**
 * v1 devices controller (cgroup-v1/devices.rst): each rule is one write to
 * devices.allow or devices.deny, in order, so the last rule wins as the
 * runtime-spec says. A rollback restores the previous exception list read
 * from devices.list.
 */
import type { V1Controller } from './controller.ts';
import { readFile, writeFile } from '../file.ts';
import { normalizeRule, v1Line } from '../devices/rule.ts';

function restore(dir: string, list: string): void {
  const lines = list.split('\n').filter(Boolean);
  if (lines.length === 1 && lines[0] === 'a *:* rwm') {
    writeFile(dir, 'devices.allow', 'a', 'devices');
    return;
  }
  writeFile(dir, 'devices.deny', 'a', 'devices');
  for (const l of lines) writeFile(dir, 'devices.allow', l, 'devices');
}

export const devices: V1Controller = {
  name: 'devices',
  wants: (r) => Array.isArray(r.devices) && r.devices.length > 0,
  set(dir, r, j) {
    if (!r.devices?.length) return;
    const rules = r.devices.map((d, i) => normalizeRule(d, i));
    const before = readFile(dir, 'devices.list');
    j.onRollback(() => restore(dir, before));
    for (const rule of rules) {
      j.write(dir, rule.allow ? 'devices.allow' : 'devices.deny', v1Line(rule), 'devices', { undo: false });
    }
  },
};
