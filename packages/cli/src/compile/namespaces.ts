/**
 * linux.namespaces → NamespaceOp[] (config-linux.md "Namespaces"), plus the
 * uid/gid maps (config-linux.md "User namespace mappings") and the time
 * namespace offsets (config-linux.md "Offset for Time Namespace").
 */
import type { IdMapping, NamespaceOp, NamespaceType } from '@oci/core/program';
import type { LinuxIDMapping as IdMap, Spec } from '@oci/spec';
import { CompileError } from './error.ts';

const TYPES: readonly NamespaceType[] = ['pid', 'network', 'mount', 'ipc', 'uts', 'user', 'cgroup', 'time'];

export function compileNamespaces(spec: Spec): NamespaceOp[] {
  const list = spec.linux?.namespaces ?? [];
  const seen = new Set<string>();
  const ops: NamespaceOp[] = [];
  list.forEach((ns, i) => {
    const p = `/linux/namespaces/${i}`;
    if (!TYPES.includes(ns.type as NamespaceType)) throw new CompileError(`${p}/type`, `unknown namespace type "${ns.type}"`);
    if (seen.has(ns.type)) throw new CompileError(`${p}/type`, `duplicate namespace "${ns.type}"`);
    seen.add(ns.type);
    if (ns.path !== undefined && ns.path !== '' && !ns.path.startsWith('/')) {
      throw new CompileError(`${p}/path`, `namespace path must be absolute: "${ns.path}"`);
    }
    ops.push(ns.path ? { type: ns.type as NamespaceType, path: ns.path } : { type: ns.type as NamespaceType });
  });
  // The user namespace goes first: creating or joining it first gives the
  // other namespaces the right owner (user_namespaces(7) "Interaction of user
  // namespaces and other types of namespaces").
  ops.sort((a, b) => (a.type === 'user' ? -1 : b.type === 'user' ? 1 : 0));
  return ops;
}

function mapText(maps: IdMap[] | undefined, pointer: string): string {
  return (maps ?? []).map((m, i) => {
    for (const k of ['containerID', 'hostID', 'size'] as const) {
      if (!Number.isInteger(m[k]) || m[k] < 0) throw new CompileError(`${pointer}/${i}/${k}`, `must be a non-negative integer`);
    }
    return `${m.containerID} ${m.hostID} ${m.size}\n`;
  }).join('');
}

/** The maps the parent writes at the "idmap" step; only when a new user namespace is created. */
export function compileIdMapping(spec: Spec, namespaces: NamespaceOp[]): IdMapping | undefined {
  const user = namespaces.find((n) => n.type === 'user');
  if (!user || user.path) return undefined;
  const uidMap = mapText(spec.linux?.uidMappings, '/linux/uidMappings');
  const gidMap = mapText(spec.linux?.gidMappings, '/linux/gidMappings');
  if (!uidMap) throw new CompileError('/linux/uidMappings', 'a new user namespace needs uidMappings');
  if (!gidMap) throw new CompileError('/linux/gidMappings', 'a new user namespace needs gidMappings');
  // Root in the runtime namespace may keep setgroups(2) ("allow"); an
  // unprivileged writer would need "deny" (user_namespaces(7) /proc/[pid]/setgroups).
  return { uidMap, gidMap, setgroups: process.getuid?.() === 0 ? 'allow' : 'deny' };
}

export function compileTimeOffsets(spec: Spec, namespaces: NamespaceOp[]) {
  const offsets = spec.linux?.timeOffsets;
  if (!offsets || Object.keys(offsets).length === 0) return undefined;
  const time = namespaces.find((n) => n.type === 'time');
  if (!time || time.path) throw new CompileError('/linux/timeOffsets', 'time offsets need a new time namespace');
  const out: { monotonic?: { secs: number; nanosecs: number }; boottime?: { secs: number; nanosecs: number } } = {};
  for (const [clock, v] of Object.entries(offsets)) {
    if (clock !== 'monotonic' && clock !== 'boottime') throw new CompileError(`/linux/timeOffsets/${clock}`, 'unknown clock (monotonic or boottime)');
    out[clock] = { secs: v.secs ?? 0, nanosecs: v.nanosecs ?? 0 };
  }
  return out;
}
