/** process.capabilities → capability numbers (config.md "process.capabilities", capabilities(7)). */
import fs from 'node:fs';
import type { Capabilities } from '@oci/core/program';
import type { LinuxCapabilities } from '@oci/spec';
import { CAPABILITIES } from './constants.ts';
import { CompileError } from './error.ts';

const NUMBER = new Map<string, number>(CAPABILITIES.map((name, i) => [name, i]));

export function capabilityNumber(name: string, pointer: string): number {
  const n = lookup(name);
  if (n === undefined) throw new CompileError(pointer, `unknown capability "${name}"`);
  return n;
}

function lookup(name: string): number | undefined {
  return NUMBER.get(name.toUpperCase().startsWith('CAP_') ? name.toUpperCase() : `CAP_${name.toUpperCase()}`);
}

/** The host kernel's highest capability (/proc/sys/kernel/cap_last_cap); our table's last when unreadable. */
function capLastCap(): number {
  try {
    const n = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    if (Number.isInteger(n) && n >= 0) return n;
  } catch { /* not Linux, or no /proc */ }
  return CAPABILITIES.length - 1;
}

/**
 * `warn` receives runc's line for names this runtime does not know or the
 * kernel does not have: config.md "process.capabilities" — such a value
 * MUST be logged as a warning and the runtime SHOULD NOT fail; runc 1.1.5
 * warns "ignoring unknown or unavailable capabilities: [...]" and runs
 * without them. They are never granted: the warning names them.
 */
export function compileCapabilities(caps: LinuxCapabilities | undefined, warn: (msg: string) => void = () => {}, lastCap = capLastCap()): Capabilities {
  const ignored = new Set<string>();
  const set = (key: keyof LinuxCapabilities) => {
    const nums: number[] = [];
    for (const name of caps?.[key] ?? []) {
      const n = lookup(name);
      if (n === undefined || n > lastCap) ignored.add(name);
      else nums.push(n);
    }
    return [...new Set(nums)].sort((a, b) => a - b);
  };
  const out = { bounding: set('bounding'), effective: set('effective'), inheritable: set('inheritable'), permitted: set('permitted'), ambient: set('ambient') };
  // PR_CAP_AMBIENT_RAISE fails unless the capability is permitted and
  // inheritable (capabilities(7) "Ambient"). runc's default spec lists ambient
  // caps without inheritable ones and runc only warns and goes on
  // (libcontainer/capabilities: "can't raise ambient capability"), so such
  // entries are dropped here rather than failing the container.
  out.ambient = out.ambient.filter((c) => out.permitted.includes(c) && out.inheritable.includes(c));
  if (ignored.size) warn(`ignoring unknown or unavailable capabilities: [${[...ignored].sort().join(' ')}]`);
  return out;
}
