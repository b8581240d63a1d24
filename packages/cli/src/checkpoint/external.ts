/**
 * What runc tells CRIU about a container beyond its processes
 * (libcontainer/criu_linux.go): mounts that come from the host are
 * "external" (CRIU cannot dump a bind mount's source; it records a key and
 * the restore maps the key back to a host path), masked files (bound over
 * with /dev/null), device nodes, and namespaces joined by path (net, pid)
 * that CRIU must leave alone and find again at restore.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Spec } from '@oci/spec';
import type { ExtMount } from './rpc.ts';
import { DEFAULT_DEVICES } from '../compile/devices.ts';

type Mount = NonNullable<Spec['mounts']>[number];

export function isBind(m: Mount): boolean {
  return m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
}

/** Destination inside the rootfs, normalised (runc SecureJoin's lexical part: no `..` above /). */
export function cleanDest(dest: string): string {
  return path.posix.normalize(path.posix.join('/', dest));
}

function hasNs(spec: Spec, type: string): boolean {
  return (spec.linux?.namespaces ?? []).some((n) => n.type === type);
}

/** Whether /sys/fs/cgroup of the host is pure cgroup2 (then a container's cgroup mount is a real mount, not binds). */
function unifiedHost(): boolean {
  try { return fs.statfsSync('/sys/fs/cgroup').type === 0x63677270; } catch { return false; }
}

/**
 * cgroup v1 without a cgroup namespace: our executor makes /sys/fs/cgroup a
 * tmpfs with one bind per hierarchy (as runc), so each is external; found in
 * the container's own mount table.
 */
function cgroupBinds(pid: number): string[] {
  let text: string;
  try { text = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'); } catch { return []; }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    if (sep < 0) continue;
    const mp = f[4];
    const fstype = f[sep + 1];
    if (mp.startsWith('/sys/fs/cgroup/') && (fstype === 'cgroup' || fstype === 'cgroup2')) out.push(mp);
  }
  return out;
}

/** ext_mnt for DUMP: key = value = the mount point (runc addCriuDumpMount). */
export function dumpExternalMounts(spec: Spec, pid: number): ExtMount[] {
  const out: ExtMount[] = [];
  const add = (dest: string, val = cleanDest(dest)) => out.push({ key: cleanDest(dest), val });
  const cgroupMount = (spec.mounts ?? []).find((m) => m.type === 'cgroup');
  for (const m of spec.mounts ?? []) if (isBind(m)) add(m.destination);
  if (cgroupMount && !hasNs(spec, 'cgroup')) {
    // Without a cgroup namespace the executor binds the container's own cgroup directory there (core-rs init/cgroupfs.rs): on v2 one bind, on v1 one per hierarchy.
    if (unifiedHost()) add(cgroupMount.destination);
    else for (const mp of cgroupBinds(pid)) add(mp);
  }
  // A masked file is /dev/null bound over it: external, keyed "/dev/null" (runc addMaskPaths); masked directories are read-only tmpfs CRIU dumps itself.
  for (const p of spec.linux?.maskedPaths ?? []) {
    let st: fs.Stats;
    try { st = fs.statSync(`/proc/${pid}/root${cleanDest(p)}`); } catch { continue; }
    if (!st.isDirectory()) out.push({ key: cleanDest(p), val: '/dev/null' });
  }
  for (const d of deviceNodes(spec)) add(d);
  return out;
}

/**
 * ext_mnt for RESTORE: the key recorded at dump → the host path to bind there (runc addCriuRestoreMount).
 * `cgroupDirs`: the restored container's cgroup directories (absolute host paths), whose binds replace the dumped ones.
 */
export function restoreExternalMounts(spec: Spec, bundle: string, cgroupDirs: string[]): ExtMount[] {
  const out: ExtMount[] = [];
  for (const m of spec.mounts ?? []) if (isBind(m) && m.source) out.push({ key: cleanDest(m.destination), val: path.resolve(bundle, m.source) });
  const cgroupMount = (spec.mounts ?? []).find((m) => m.type === 'cgroup');
  if (cgroupMount && !hasNs(spec, 'cgroup')) {
    if (unifiedHost()) {
      out.push({ key: cleanDest(cgroupMount.destination), val: cgroupDirs[0] ?? '/sys/fs/cgroup' });
    } else {
      // v1: per hierarchy, the container's directory in it (else the hierarchy itself).
      for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
        const f = line.split(' ');
        const sep = f.indexOf('-');
        if (!(sep > 0 && f[4]?.startsWith('/sys/fs/cgroup/') && (f[sep + 1] === 'cgroup' || f[sep + 1] === 'cgroup2'))) continue;
        const mine = cgroupDirs.find((d) => d === f[4] || d.startsWith(`${f[4]}/`));
        out.push({ key: cleanDest(path.posix.join(cgroupMount.destination, f[4].slice('/sys/fs/cgroup/'.length))), val: mine ?? f[4] });
      }
    }
  }
  if ((spec.linux?.maskedPaths ?? []).length) out.push({ key: '/dev/null', val: '/dev/null' });
  for (const d of deviceNodes(spec)) out.push({ key: d, val: d });
  return out;
}

function deviceNodes(spec: Spec): string[] {
  return [...new Set([...DEFAULT_DEVICES.map((d) => d.path), ...(spec.linux?.devices ?? []).map((d) => cleanDest(d.path))])];
}

/** CRIU's key for a namespace it must leave alone (runc criuNsToKey): extRootNetNS, extRootPidNS. */
export function nsKey(type: 'network' | 'pid'): string {
  return type === 'network' ? 'extRootNetNS' : 'extRootPidNS';
}

/** `--external net[<inode>]:extRootNetNS` for each of net and pid joined by path (runc handleCheckpointingExternalNamespaces). */
export function dumpExternalNamespaces(spec: Spec): string[] {
  const out: string[] = [];
  for (const type of ['network', 'pid'] as const) {
    const ns = (spec.linux?.namespaces ?? []).find((n) => n.type === type);
    if (!ns?.path) continue;
    const ino = fs.statSync(ns.path).ino;
    out.push(`${type === 'network' ? 'net' : 'pid'}[${ino}]:${nsKey(type)}`);
  }
  return out;
}
