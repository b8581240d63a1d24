/**
 * What `--debug` logs about a compiled init program (create and exec): one
 * line per step the init will take, with the values it will use
 * (namespaces made or joined, each mount, the devices, pivot_root, the
 * process' user, capabilities and rlimits, the seccomp filter's size), as
 * runc's debug lines describe its own steps. Nothing is computed unless the
 * logger is at debug level. The protocol steps are timed by init-protocol.ts,
 * hooks by hooks.ts.
 */
import type { InitProgram } from '@oci/core/program';
import type { Logger } from './log.ts';

/** Whether the logger writes debug lines (so callers skip building fields). */
export const debugOn = (logger: Logger | undefined): logger is Logger => !!logger && logger.minLevel === 'debug';

/** Milliseconds since `t0` (performance.now()), to 0.1 ms. */
export const since = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

export function logProgram(logger: Logger | undefined, what: 'create' | 'exec', id: string, p: InitProgram): void {
  if (!debugOn(logger)) return;
  const d = (msg: string, f: Record<string, unknown>) => logger.debug(msg, { id, ...f });
  for (const ns of p.namespaces) d(ns.path ? 'namespace: join' : 'namespace: new', { type: ns.type, ...(ns.path ? { path: ns.path } : {}) });
  if (p.idMapping) d('user namespace: id maps', { uid_map: p.idMapping.uidMap.trim(), gid_map: p.idMapping.gidMap.trim(), setgroups: p.idMapping.setgroups });
  if (what === 'create') {
    d('rootfs', { path: p.rootfs.path, readonly: p.rootfs.readonly, pivot_root: p.rootfs.pivotRoot, propagation: p.rootfs.propagation });
    for (const m of p.mounts) {
      d('mount', {
        destination: m.destination, type: m.fstype, source: m.source, flags: `0x${(m.flags >>> 0).toString(16)}`,
        ...(m.data ? { data: m.data } : {}), ...(m.propagation.length ? { propagation: m.propagation } : {}),
        ...(m.idmap ? { idmap: true } : {}), ...(m.copyUp ? { tmpcopyup: true } : {}),
      });
    }
    if (p.devices.length) d('devices', { count: p.devices.length, paths: p.devices.map((x) => x.path) });
    if (p.maskedPaths.length || p.readonlyPaths.length) d('masked and read-only paths', { masked: p.maskedPaths.length, readonly: p.readonlyPaths.length });
    if (p.sysctl.length) d('sysctl', { keys: p.sysctl.map((s) => s.key) });
    if (p.hostname !== undefined) d('hostname', { hostname: p.hostname });
    if (p.createContainerHooks.length || p.startContainerHooks.length) {
      d('hooks run by the init', { createContainer: p.createContainerHooks.map((h) => h.path), startContainer: p.startContainerHooks.map((h) => h.path) });
    }
  }
  const proc = p.process;
  d('process', {
    args: proc.args, cwd: proc.cwd, uid: proc.uid, gid: proc.gid, additional_gids: proc.additionalGids, terminal: proc.terminal,
    no_new_privileges: proc.noNewPrivileges, bounding_caps: proc.capabilities.bounding.length, effective_caps: proc.capabilities.effective.length,
    rlimits: proc.rlimits.length, ...(proc.apparmorProfile ? { apparmor: proc.apparmorProfile } : {}), ...(proc.selinuxLabel ? { selinux: proc.selinuxLabel } : {}),
  });
  if (proc.seccomp) {
    // Classic BPF: 8 bytes per instruction (linux/filter.h struct sock_filter).
    const bytes = Buffer.byteLength(proc.seccomp.bpf, 'base64');
    d('seccomp filter', { instructions: bytes / 8, bytes, flags: proc.seccomp.flags, notify: proc.seccomp.notify, ...(proc.seccomp.listenerPath ? { listener_path: proc.seccomp.listenerPath } : {}) });
  } else {
    d('seccomp filter', { instructions: 0 });
  }
}
