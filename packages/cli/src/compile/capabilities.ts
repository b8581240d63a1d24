/** process.capabilities → capability numbers (config.md "process.capabilities", capabilities(7)). */
import type { Capabilities } from '@oci/core/program';
import type { LinuxCapabilities } from '../spec-types.ts';
import { CAPABILITIES } from './constants.ts';
import { CompileError } from './error.ts';

const NUMBER = new Map<string, number>(CAPABILITIES.map((name, i) => [name, i]));

export function capabilityNumber(name: string, pointer: string): number {
  const n = NUMBER.get(name.toUpperCase().startsWith('CAP_') ? name.toUpperCase() : `CAP_${name.toUpperCase()}`);
  // Unknown names are rejected, not dropped: a typo must not silently grant or withhold a capability.
  if (n === undefined) throw new CompileError(pointer, `unknown capability "${name}"`);
  return n;
}

export function compileCapabilities(caps: LinuxCapabilities | undefined): Capabilities {
  const set = (key: keyof LinuxCapabilities) => {
    const nums = (caps?.[key] ?? []).map((name, i) => capabilityNumber(name, `/process/capabilities/${key}/${i}`));
    return [...new Set(nums)].sort((a, b) => a - b);
  };
  const out = { bounding: set('bounding'), effective: set('effective'), inheritable: set('inheritable'), permitted: set('permitted'), ambient: set('ambient') };
  // PR_CAP_AMBIENT_RAISE fails unless the capability is permitted and
  // inheritable (capabilities(7) "Ambient"). runc's default spec lists ambient
  // caps without inheritable ones and runc only warns and goes on
  // (libcontainer/capabilities: "can't raise ambient capability"), so such
  // entries are dropped here rather than failing the container.
  out.ambient = out.ambient.filter((c) => out.permitted.includes(c) && out.inheritable.includes(c));
  return out;
}
