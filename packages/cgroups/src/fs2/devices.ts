/** v2 device rules: an eBPF program on the cgroup directory (see devices/bpf.ts). */
import type { V2Group } from './group.ts';
import { attachDeviceRules } from '../devices/bpf.ts';
import { normalizeRule } from '../devices/rule.ts';

export const devices: V2Group = {
  name: 'devices',
  wants: (r) => Array.isArray(r.devices) && r.devices.length > 0,
  set(dir, r) {
    if (!r.devices?.length) return;
    // Validate every rule before touching the kernel.
    r.devices.forEach((d, i) => normalizeRule(d, i));
    attachDeviceRules(dir, r.devices);
  },
};
