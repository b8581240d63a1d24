/**
 * mounts[] → MountOp[] (config.md "Mounts", runc libcontainer/specconv
 * parseMountOptions): option strings become MS_* flags, propagation flags and
 * a data string; bind mounts with other flags get a remount, because
 * mount(2) ignores those flags on the initial MS_BIND.
 */
import path from 'node:path';
import type { IdmapOp, MountOp } from '@oci/core/program';
import type { LinuxIDMapping as IdMap, Mount, Spec } from '@oci/spec';
import { MS } from './constants.ts';
import { CompileError } from './error.ts';

/** option → [clear?, flag] as runc's mountFlags table. */
const FLAGS: Record<string, [boolean, number]> = {
  acl: [false, MS.POSIXACL], async: [true, MS.SYNCHRONOUS], atime: [true, MS.NOATIME], bind: [false, MS.BIND],
  defaults: [false, 0], dev: [true, MS.NODEV], diratime: [true, MS.NODIRATIME], dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC], iversion: [false, MS.I_VERSION], lazytime: [false, MS.LAZYTIME], loud: [true, MS.SILENT],
  mand: [false, MS.MANDLOCK], noacl: [true, MS.POSIXACL], noatime: [false, MS.NOATIME], nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME], noexec: [false, MS.NOEXEC], noiversion: [true, MS.I_VERSION],
  nolazytime: [true, MS.LAZYTIME], nomand: [true, MS.MANDLOCK], norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME], nosuid: [false, MS.NOSUID], nosymfollow: [false, MS.NOSYMFOLLOW],
  rbind: [false, MS.BIND | MS.REC], relatime: [false, MS.RELATIME], remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY], rw: [true, MS.RDONLY], silent: [false, MS.SILENT], strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID], sync: [false, MS.SYNCHRONOUS],
};

export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE, rprivate: MS.PRIVATE | MS.REC, shared: MS.SHARED, rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE, rslave: MS.SLAVE | MS.REC, unbindable: MS.UNBINDABLE, runbindable: MS.UNBINDABLE | MS.REC,
};

/**
 * Recursive mount attributes (runtime-spec config.md "Mounts": `rro`,
 * `rnosuid`...; runc's recAttrFlags): applied with mount_setattr(2) and
 * AT_RECURSIVE to the mount and every mount below it, which a plain
 * MS_RDONLY remount does not reach. [clear?, MOUNT_ATTR_*].
 */
export const MOUNT_ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8, _ATIME: 0x70, RELATIME: 0, NOATIME: 0x10, STRICTATIME: 0x20, NODIRATIME: 0x80, NOSYMFOLLOW: 0x200000 } as const;
const REC_ATTRS: Record<string, [boolean, number]> = {
  rro: [false, MOUNT_ATTR.RDONLY], rrw: [true, MOUNT_ATTR.RDONLY],
  rnosuid: [false, MOUNT_ATTR.NOSUID], rsuid: [true, MOUNT_ATTR.NOSUID],
  rnodev: [false, MOUNT_ATTR.NODEV], rdev: [true, MOUNT_ATTR.NODEV],
  rnoexec: [false, MOUNT_ATTR.NOEXEC], rexec: [true, MOUNT_ATTR.NOEXEC],
  rnodiratime: [false, MOUNT_ATTR.NODIRATIME], rdiratime: [true, MOUNT_ATTR.NODIRATIME],
  rrelatime: [false, MOUNT_ATTR.RELATIME], rnorelatime: [true, MOUNT_ATTR.RELATIME],
  rnoatime: [false, MOUNT_ATTR.NOATIME], ratime: [true, MOUNT_ATTR.NOATIME],
  rstrictatime: [false, MOUNT_ATTR.STRICTATIME], rnostrictatime: [true, MOUNT_ATTR.STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW], rsymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW],
};

/**
 * runc/crun extension options: not mount(2) flags nor data. `tmpcopyup`:
 * the tmpfs starts with a copy of the directory it covers (runc
 * EXT_COPYUP; podman adds it to every --tmpfs).
 */
const EXTENSIONS = new Set(['tmpcopyup']);

/**
 * Id-mapped mounts (config.md "Mounts", runc specconv complexFlags):
 * `idmap` maps the top mount of the bind, `ridmap` every mount of an rbind.
 */
const IDMAP_OPTIONS: Record<string, 'idmap' | 'ridmap'> = { idmap: 'idmap', ridmap: 'ridmap' };

// Flags that need a remount after MS_BIND to take effect (mount(2) "Creating a bind mount").
const REMOUNT_MASK = ~(MS.BIND | MS.REC | MS.REMOUNT);

export interface ParsedOptions {
  flags: number; propagation: number[]; data: string[]; attrSet: number; attrClr: number;
  /** The last of `idmap`/`ridmap` given, with its index in options (absent: neither). */
  idmap?: { kind: 'idmap' | 'ridmap'; index: number; mapping?: string };
  /** Index in options of `tmpcopyup` (absent: not given). */
  copyUp?: number;
}

export function parseMountOptions(options: string[] = [], pointer = '/mounts/0/options'): ParsedOptions {
  let flags = 0;
  let attrSet = 0;
  let attrClr = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let idmap: ParsedOptions['idmap'];
  let copyUp: number | undefined;
  options.forEach((opt, i) => {
    if (EXTENSIONS.has(opt)) { copyUp = i; return; }
    if (IDMAP_OPTIONS[opt]) { idmap = { kind: IDMAP_OPTIONS[opt], index: i }; return; }
    // crun's (and podman's) "idmap=uids=...;gids=..." form carries the
    // mapping in the option itself; parsed by compileIdmap.
    const eq = /^(r?idmap)=(.*)$/.exec(opt);
    if (eq) { idmap = { kind: IDMAP_OPTIONS[eq[1]], index: i, mapping: eq[2] }; return; }
    const f = FLAGS[opt];
    if (f) { flags = f[0] ? flags & ~f[1] : flags | f[1]; return; }
    const a = REC_ATTRS[opt];
    if (a) {
      if (a[0]) attrClr |= a[1];
      // mount_setattr(2): an access-time mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
      else { attrSet |= a[1]; if ((a[1] & MOUNT_ATTR._ATIME) === a[1]) attrClr |= MOUNT_ATTR._ATIME; }
      return;
    }
    const p = PROPAGATION[opt];
    if (p !== undefined) { propagation.push(p); return; }
    data.push(opt);
  });
  return { flags, propagation, data, attrSet, attrClr, ...(idmap ? { idmap } : {}), ...(copyUp !== undefined ? { copyUp } : {}) };
}

export interface MountContext {
  bundle: string;
  /** Whether a host path is a directory (bind sources); injectable for tests. */
  isDirectory: (hostPath: string) => boolean;
}

export function compileMounts(spec: Spec, ctx: MountContext): MountOp[] {
  return (spec.mounts ?? []).map((m, i) => {
    const p = `/mounts/${i}`;
    if (typeof m.destination !== 'string' || !m.destination.startsWith('/')) {
      throw new CompileError(`${p}/destination`, `mount destination must be an absolute path: "${m.destination}"`);
    }
    const opts = parseMountOptions(m.options, `${p}/options`);
    const type = m.type ?? '';
    const isBind = type === 'bind' || (opts.flags & MS.BIND) !== 0;
    const idmap = compileIdmap(spec, m, opts, p, isBind);
    // runc only honours EXT_COPYUP in its tmpfs case and silently ignores it
    // elsewhere; crun refuses it. Refuse: a copy that never happens is a
    // surprise (the option's JSON pointer names what to remove).
    if (opts.copyUp !== undefined && (isBind || type !== 'tmpfs')) {
      throw new CompileError(`${p}/options/${opts.copyUp}`, `"tmpcopyup" is only supported on a tmpfs mount, not on ${isBind ? 'a bind mount' : `type "${type}"`}`);
    }
    let flags = opts.flags | (isBind ? MS.BIND : 0);
    let source = m.source ?? '';
    let createAs: 'dir' | 'file' = 'dir';
    let remountFlags = 0;
    if (isBind) {
      if (!source) throw new CompileError(`${p}/source`, 'a bind mount needs a source');
      // runc resolves a relative bind source against the bundle directory.
      if (!path.isAbsolute(source)) source = path.resolve(ctx.bundle, source);
      createAs = ctx.isDirectory(source) ? 'dir' : 'file';
      if (flags & REMOUNT_MASK) remountFlags = MS.BIND | MS.REMOUNT | (flags & ~MS.REC & ~MS.REMOUNT);
      // The initial bind carries only MS_BIND|MS_REC; the rest is applied by the remount.
      flags &= MS.BIND | MS.REC;
    }
    return {
      source,
      destination: path.posix.normalize(m.destination),
      fstype: isBind ? 'bind' : type,
      flags,
      propagation: opts.propagation,
      data: opts.data.join(','),
      remountFlags,
      createAs,
      ...(opts.attrSet || opts.attrClr ? { attrSet: opts.attrSet, attrClr: opts.attrClr } : {}),
      ...(idmap ? { idmap } : {}),
      ...(opts.copyUp !== undefined ? { copyUp: true } : {}),
    };
  });
}

/**
 * crun's mapping option (crun-1 "idmap", podman-run(1) --mount "idmap"):
 * `uids=<fsid>-<hostid>-<size>[#...];gids=...`, where a triplet starting with
 * `@` gives the host id as an id of the container, mapped through
 * linux.uidMappings/gidMappings (crun parse_idmapped_mount_option).
 */
function crunMapping(spec: Spec, text: string, pointer: string): { uid: IdMap[]; gid: IdMap[] } {
  const out: { uid: IdMap[]; gid: IdMap[] } = { uid: [], gid: [] };
  for (const part of text.split(';').filter(Boolean)) {
    const kind = part.startsWith('uids=') ? 'uid' : part.startsWith('gids=') ? 'gid' : undefined;
    if (!kind) throw new CompileError(pointer, `"${part}" in the idmap option must start with "uids=" or "gids="`);
    for (const triplet of part.slice(5).split('#')) {
      const t = /^(@?)(\d+)-(\d+)-(\d+)$/.exec(triplet);
      if (!t) throw new CompileError(pointer, `"${triplet}" in the idmap option is not a mapping "fsid-hostid-size" (crun's syntax)`);
      const [containerID, id, size] = [Number(t[2]), Number(t[3]), Number(t[4])];
      if (size === 0 || Math.max(containerID, id, size) > 0xffffffff) throw new CompileError(pointer, `"${triplet}" in the idmap option: ids are 0 to 4294967295 and a size is at least 1`);
      let hostID = id;
      if (t[1]) {
        const maps = (kind === 'uid' ? spec.linux?.uidMappings : spec.linux?.gidMappings) ?? [];
        const r = maps.find((mp) => id >= mp.containerID && id < mp.containerID + mp.size);
        if (!r) throw new CompileError(pointer, `"${triplet}": ${kind} ${id} is not mapped by linux.${kind}Mappings, so "@" cannot make it relative`);
        hostID = id - r.containerID + r.hostID;
      }
      out[kind].push({ containerID, hostID, size });
    }
  }
  return out;
}

/** uid_map/gid_map text ("containerID hostID size" lines) of a mount's mappings. */
function mappingText(maps: IdMap[], pointer: string): string {
  return maps.map((m, i) => {
    for (const k of ['containerID', 'hostID', 'size'] as const) {
      if (!Number.isInteger(m[k]) || m[k] < 0 || m[k] > 0xffffffff) throw new CompileError(`${pointer}/${i}/${k}`, `${k} must be an integer from 0 to 4294967295, found ${JSON.stringify(m[k])}`);
    }
    // user_namespaces(7): a mapping line maps at least one id (the kernel answers EINVAL).
    if (m.size === 0) throw new CompileError(`${pointer}/${i}/size`, 'size must be at least 1: a mapping of 0 ids maps nothing');
    return `${m.containerID} ${m.hostID} ${m.size}\n`;
  }).join('');
}

/**
 * A mount's id mapping (config.md "Mounts": uidMappings/gidMappings with
 * `idmap` or `ridmap`), as runc 1.2 specconv + validate.checkIDMapMounts:
 * - mappings on the mount: those (runc also accepts them without `idmap`,
 *   the spec only says the option SHOULD be there: non-recursive then);
 * - `idmap`/`ridmap` alone (or with empty mappings, runtime-spec #1224):
 *   the container's user namespace mapping, or the joined user namespace;
 * - only bind mounts; both uid and gid mappings or neither.
 */
function compileIdmap(spec: Spec, m: Mount, opts: ParsedOptions, p: string, isBind: boolean): IdmapOp | undefined {
  let uid = m.uidMappings ?? [];
  let gid = m.gidMappings ?? [];
  // As crun: the mount's JSON mappings win over the option's.
  if (opts.idmap?.mapping !== undefined && !uid.length && !gid.length) {
    const where = `${p}/options/${opts.idmap.index}`;
    ({ uid, gid } = crunMapping(spec, opts.idmap.mapping, where));
    if (!uid.length || !gid.length) throw new CompileError(where, `the idmap option needs both "uids=" and "gids=" mappings`);
  }
  const mapped = uid.length > 0 || gid.length > 0;
  if (!mapped && !opts.idmap) return undefined;
  const where = opts.idmap ? `${p}/options/${opts.idmap.index}` : `${p}/${uid.length ? 'uidMappings' : 'gidMappings'}`;
  const recursive = opts.idmap?.kind === 'ridmap';
  if (!isBind) throw new CompileError(where, 'id-mapped mounts (uidMappings/gidMappings, idmap, ridmap) are only supported for bind mounts: add "bind" or "rbind" to options');
  if (mapped) {
    if (!uid.length) throw new CompileError(`${p}/uidMappings`, 'gidMappings is set, so uidMappings must be too (config.md "Mounts": they are given together)');
    if (!gid.length) throw new CompileError(`${p}/gidMappings`, 'uidMappings is set, so gidMappings must be too (config.md "Mounts": they are given together)');
    return { uidMap: mappingText(uid, `${p}/uidMappings`), gidMap: mappingText(gid, `${p}/gidMappings`), recursive };
  }
  const userns = spec.linux?.namespaces?.find((n) => n.type === 'user');
  if (userns?.path) return { usernsPath: userns.path, recursive };
  const lu = spec.linux?.uidMappings ?? [];
  const lg = spec.linux?.gidMappings ?? [];
  if (userns && lu.length && lg.length) return { uidMap: mappingText(lu, '/linux/uidMappings'), gidMap: mappingText(lg, '/linux/gidMappings'), recursive };
  throw new CompileError(where, `"${opts.idmap!.kind}" without uidMappings/gidMappings on the mount takes the container's user namespace mapping, but linux.namespaces has no user namespace with linux.uidMappings/gidMappings`);
}

export function compileRootfsPropagation(spec: Spec): number {
  const p = spec.linux?.rootfsPropagation;
  // runc's default: make / a recursive slave so nothing propagates back to the host.
  if (!p) return MS.SLAVE | MS.REC;
  const v = PROPAGATION[p];
  if (v === undefined) throw new CompileError('/linux/rootfsPropagation', `unknown propagation "${p}"`);
  return v;
}
