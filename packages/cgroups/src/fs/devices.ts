/**
 * v1 devices controller (cgroup-v1/devices.rst). The rules are emulated to
 * the state the kernel must end in, and only the writes that take the
 * cgroup there from its current devices.list are made (devices/v1.ts), so
 * an update never opens a window where a running container loses a device
 * it keeps. A rollback restores the previous state the same way.
 */
import type { V1Controller } from './controller.ts';
import { readFile, writeFile } from '../file.ts';
import { normalizeRule } from '../devices/rule.ts';
import { emulate, parseDevicesList, transition, type V1DeviceState } from '../devices/v1.ts';

function apply(dir: string, from: V1DeviceState | undefined, to: V1DeviceState, write: (file: string, line: string) => void): void {
  for (const w of transition(from, to)) write(w.file, w.line);
}

export const devices: V1Controller = {
  name: 'devices',
  wants: (r) => Array.isArray(r.devices) && r.devices.length > 0,
  set(dir, r, j) {
    if (!r.devices?.length) return;
    const rules = r.devices.map((d, i) => normalizeRule(d, i));
    const before = parseDevicesList(readFile(dir, 'devices.list'));
    const target = emulate(rules);
    j.onRollback(() => {
      const now = parseDevicesList(readFile(dir, 'devices.list'));
      // Unknown allow-all exceptions cannot be restored beyond "allow all".
      apply(dir, now, before ?? { allowAll: true, exceptions: new Map() }, (f, l) => writeFile(dir, f, l, 'devices'));
    });
    apply(dir, before, target, (f, l) => j.write(dir, f, l, 'devices', { undo: false }));
  },
};
