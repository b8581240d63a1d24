//! The container's root filesystem, in runc's order (rootfs_linux.go):
//! propagation of "/", the rootfs bound onto itself, the mounts with their
//! destinations resolved INSIDE the rootfs, then (mod.rs) devices, symlinks,
//! pivot_root, read-only and masked paths.
//!
//! Destinations are never string-joined onto the rootfs path: every lookup
//! is openat2(rootfd, path, RESOLVE_IN_ROOT) so a symlink in the image (even
//! an absolute one or "../../..") resolves inside the rootfs
//! (CVE-2018-15664 / runc's securejoin), and the mount itself targets
//! /proc/self/fd/N of the O_PATH fd we checked, so a symlink swapped in
//! between the check and mount(2) cannot redirect it (CVE-2021-30465).

use super::error::{Ctx, InitError, Result};
use super::program::{InitProgram, MountOp};
use super::{cstr, Init};
use crate::sys::{openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS};
use std::ffi::CString;
use std::io;
use std::os::fd::RawFd;

const RESOLVE: u64 = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;

/// An fd closed on drop.
pub struct Fd(pub RawFd);
impl Drop for Fd {
    fn drop(&mut self) {
        unsafe { libc::close(self.0) };
    }
}
impl Fd {
    pub fn proc_path(&self) -> CString {
        cstr(&format!("/proc/self/fd/{}", self.0))
    }
}

fn components(path: &str) -> Vec<&str> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Open `path` inside the root `rootfd` (O_PATH), resolving symlinks and
/// ".." as if rootfd were "/".
pub fn open_in_root(rootfd: RawFd, path: &str) -> io::Result<Fd> {
    let rel = components(path).join("/");
    let rel = if rel.is_empty() { ".".to_string() } else { rel };
    openat2(rootfd, &cstr(&rel), libc::O_PATH, 0, RESOLVE).map(Fd)
}

/// mkdir -p inside the root; every component is resolved in the root before
/// the next one is created relative to it, so nothing is created outside. A
/// dangling symlink on the way is followed by creating its target, itself
/// resolved inside the root (as runc's securejoin.MkdirAll).
pub fn mkdir_all_in_root(rootfd: RawFd, path: &str) -> io::Result<Fd> {
    mkdir_all_depth(rootfd, path, 0)
}

fn mkdir_all_depth(rootfd: RawFd, path: &str, depth: u32) -> io::Result<Fd> {
    if depth > 40 {
        return Err(io::Error::from_raw_os_error(libc::ELOOP));
    }
    let comps = components(path);
    let mut cur = openat2(rootfd, c".", libc::O_PATH | libc::O_DIRECTORY, 0, RESOLVE).map(Fd)?;
    for i in 0..comps.len() {
        let prefix = comps[..=i].join("/");
        match openat2(
            rootfd,
            &cstr(&prefix),
            libc::O_PATH | libc::O_DIRECTORY,
            0,
            RESOLVE,
        ) {
            Ok(fd) => cur = Fd(fd),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                let name = cstr(comps[i]);
                if unsafe { libc::mkdirat(cur.0, name.as_ptr(), 0o755) } < 0 {
                    let e = io::Error::last_os_error();
                    if e.raw_os_error() != Some(libc::EEXIST) {
                        return Err(e);
                    }
                    // EEXIST yet ENOENT through it: a dangling symlink.
                    let mut buf = [0u8; libc::PATH_MAX as usize];
                    let n = unsafe {
                        libc::readlinkat(
                            cur.0,
                            name.as_ptr(),
                            buf.as_mut_ptr() as *mut libc::c_char,
                            buf.len(),
                        )
                    };
                    if n < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    let target = String::from_utf8_lossy(&buf[..n as usize]).into_owned();
                    let full = if target.starts_with('/') {
                        target
                    } else {
                        format!("{}/{target}", comps[..i].join("/"))
                    };
                    mkdir_all_depth(rootfd, &full, depth + 1)?;
                }
                cur = Fd(openat2(
                    rootfd,
                    &cstr(&prefix),
                    libc::O_PATH | libc::O_DIRECTORY,
                    0,
                    RESOLVE,
                )?);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(cur)
}

/// The parent directory of `path` (created inside the root) and the last name.
pub fn parent_in_root(rootfd: RawFd, path: &str) -> io::Result<(Fd, CString)> {
    let comps = components(path);
    let Some((last, dirs)) = comps.split_last() else {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    };
    let parent = mkdir_all_in_root(rootfd, &dirs.join("/"))?;
    Ok((parent, cstr(last)))
}

/// Open the destination inside the root, creating it (a directory or an
/// empty file) when it is missing.
pub fn create_in_root(rootfd: RawFd, path: &str, as_file: bool) -> io::Result<Fd> {
    match open_in_root(rootfd, path) {
        Ok(fd) => return Ok(fd),
        Err(e) if e.raw_os_error() != Some(libc::ENOENT) => return Err(e),
        _ => {}
    }
    if !as_file {
        return mkdir_all_in_root(rootfd, path);
    }
    let (parent, name) = parent_in_root(rootfd, path)?;
    // mknodat does not follow a symlink at the last component (EEXIST then).
    if unsafe { libc::mknodat(parent.0, name.as_ptr(), libc::S_IFREG | 0o644, 0) } < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            return Err(e);
        }
    }
    open_in_root(rootfd, path)
}

pub fn mount(
    src: Option<&str>,
    target: &CString,
    fstype: Option<&str>,
    flags: u64,
    data: Option<&str>,
) -> io::Result<()> {
    let src = src.map(cstr);
    let fstype = fstype.map(cstr);
    let data = data.filter(|d| !d.is_empty()).map(cstr);
    let r = unsafe {
        libc::mount(
            src.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            target.as_ptr(),
            fstype.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
            flags as libc::c_ulong,
            data.as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr() as *const libc::c_void),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// statvfs f_flag bits that are "locked" on a mount we inherited across a
/// user namespace: a bind remount must keep them or it fails with EPERM
/// (mount_namespaces(7) "Restrictions on mount namespaces"); runc does the same.
fn locked_flags(target: &CString) -> u64 {
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(target.as_ptr(), &mut st) } < 0 {
        return 0;
    }
    let f = st.f_flag as u64;
    let mut out = 0u64;
    for (st_flag, ms) in [
        // ST_* values from statvfs(3) / <sys/statvfs.h>.
        (1u64, libc::MS_RDONLY),
        (2, libc::MS_NOSUID),
        (4, libc::MS_NODEV),
        (8, libc::MS_NOEXEC),
        (1024, libc::MS_NOATIME),
        (2048, libc::MS_NODIRATIME),
        (4096, libc::MS_RELATIME),
    ] {
        if f & st_flag != 0 {
            out |= ms;
        }
    }
    out
}

pub fn bind_remount(target: &CString, flags: u64) -> io::Result<()> {
    let flags = flags | (libc::MS_BIND | libc::MS_REMOUNT);
    match mount(None, target, None, flags, None) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            mount(None, target, None, flags | locked_flags(target), None)
        }
        r => r,
    }
}

/// The mount point that holds `path` (longest prefix in mountinfo).
fn mount_point_of(path: &str) -> Option<String> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut best: Option<String> = None;
    for line in info.lines() {
        let mp = line.split(' ').nth(4)?;
        let mp = mp.replace("\\040", " ");
        let inside = mp == "/" || path == mp || path.starts_with(&format!("{mp}/"));
        if inside && best.as_ref().is_none_or(|b| mp.len() > b.len()) {
            best = Some(mp);
        }
    }
    best
}

/// Steps 8-9 of docs/init-program.md; returns the O_PATH fd of the rootfs
/// mount (the bind of the rootfs onto itself).
/// `inherited`: the mount namespace is the runtime's own (none listed):
/// its / and the rootfs's parent mount keep their propagation, which is the
/// host's to choose (runc changes them there too; we do not).
pub fn prepare(init: &mut Init, p: &InitProgram, inherited: bool) -> Result<Fd> {
    let root = &p.rootfs.path;
    init.at("rootfs-propagation")?;
    if !inherited {
        set_root_propagation(p)?;
    }
    init.at("rootfs-bind")?;
    mount(
        Some(root),
        &cstr(root),
        Some("bind"),
        libc::MS_BIND | libc::MS_REC,
        None,
    )
    .ctx("rootfs-bind", format!("bind {root} onto itself"))?;
    let c = cstr(root);
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(InitError::os(
            "rootfs-bind",
            &io::Error::last_os_error(),
            format!("open {root}"),
        ));
    }
    Ok(Fd(fd))
}

fn set_root_propagation(p: &InitProgram) -> Result<()> {
    let root = &p.rootfs.path;
    // 0 means unset: MS_SLAVE|MS_REC as runc, so nothing mounted in the
    // container propagates back to the host's (usually shared) mounts.
    let propagation = if p.rootfs.propagation == 0 {
        libc::MS_SLAVE | libc::MS_REC
    } else {
        p.rootfs.propagation
    };
    mount(None, &cstr("/"), None, propagation, None)
        .ctx("rootfs-propagation", "mount / propagation")?;
    // pivot_root(2) fails with EINVAL when the new root's parent mount is
    // shared; runc makes it private (rootfsParentMountPrivate).
    let real = std::fs::canonicalize(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| root.clone());
    if let Some(mp) = mount_point_of(&real) {
        mount(None, &cstr(&mp), None, libc::MS_PRIVATE, None)
            .ctx("rootfs-propagation", format!("make {mp} private"))?;
    }
    Ok(())
}

/// The destination of a procfs or sysfs mount: its last component must be
/// a directory, never a symlink (even one resolving inside the rootfs) or
/// a file; runc refuses the same with the same text (rootfs_linux.go
/// mountToRootfs), as mounting procfs through an image-controlled symlink
/// has been an attack vector (CVE-2019-19921). The directory is opened with
/// O_NOFOLLOW relative to its resolved parent, so it cannot be swapped for a
/// symlink between the check and the mount.
fn ordinary_dir_in_root(rootfd: RawFd, m: &MountOp) -> Result<Fd> {
    let what = || format!("mount {} on {}", m.fstype, m.destination);
    let refuse = || {
        InitError::new("mount", format!("error mounting {:?} to rootfs at {:?}: filesystem {:?} must be mounted on ordinary directory", m.fstype, m.destination, m.fstype))
    };
    let (parent, name) = parent_in_root(rootfd, &m.destination).ctx("mount", what())?;
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatat(parent.0, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ENOENT) {
            return Err(InitError::os("mount", &e, what()));
        }
        if unsafe { libc::mkdirat(parent.0, name.as_ptr(), 0o755) } < 0
            && crate::sys::last_errno() != libc::EEXIST
        {
            return Err(InitError::os("mount", &io::Error::last_os_error(), what()));
        }
    } else if st.st_mode & libc::S_IFMT != libc::S_IFDIR {
        return Err(refuse());
    }
    let fd = unsafe {
        libc::openat(
            parent.0,
            name.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        let e = io::Error::last_os_error();
        // ENOTDIR: swapped for something else since the check.
        return Err(if e.raw_os_error() == Some(libc::ENOTDIR) {
            refuse()
        } else {
            InitError::os("mount", &e, what())
        });
    }
    Ok(Fd(fd))
}

/// A read-only tmpfs, or a read-only /dev, is mounted read-write and made
/// read-only only after everything below it exists (submounts such as
/// /dev/pts, devices, the console): runc's mountPropagate and
/// finalizeRootfs do the same.
pub fn delays_readonly(m: &MountOp) -> bool {
    let plain = m.flags & libc::MS_BIND == 0 && m.idmap.is_none() && !m.copy_up;
    plain
        && m.flags & libc::MS_RDONLY != 0
        && (m.fstype == "tmpfs" || components(&m.destination) == ["dev"])
}

/// The late read-only remount of a delays_readonly mount, after every
/// mount, device and createContainer hook, before pivot_root: its
/// destination resolved inside the rootfs, the mount's flags kept.
pub fn remount_readonly_late(rootfd: RawFd, m: &MountOp) -> Result<()> {
    let what = || format!("remount {} read-only", m.destination);
    let target = open_in_root(rootfd, &m.destination).ctx("rootfs-readonly", what())?;
    let keep = m.flags & !(libc::MS_REC | libc::MS_REMOUNT | libc::MS_BIND);
    bind_remount(&target.proc_path(), keep | libc::MS_RDONLY).ctx("rootfs-readonly", what())
}

/// The files under /proc a mount may cover: the ones LXCFS emulates. runc
/// 1.1.5 rootfs_linux.go checkProcMount keeps the same list.
const PROC_MOUNT_ALLOWED: [&str; 10] = [
    "proc/cpuinfo",
    "proc/diskstats",
    "proc/meminfo",
    "proc/stat",
    "proc/swaps",
    "proc/uptime",
    "proc/loadavg",
    "proc/slabinfo",
    "proc/net/dev",
    "proc/sys/kernel/ns_last_pid",
];

fn fd_path(fd: RawFd) -> io::Result<String> {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).map(|p| p.to_string_lossy().into_owned())
}

/// runc's checkProcMount: a bind (or a filesystem of a type runc does not
/// handle itself) may not cover anything inside the container's /proc but
/// the LXCFS files, and may replace /proc itself only with a procfs. A
/// file put over /proc/sys/... or /proc/self/attr/... would take the
/// runtime's later sysctl or LSM writes (CVE-2025-52881, procfs.rs), and a
/// plain directory at /proc hides everything masked there. `dest` is the
/// destination resolved inside the rootfs (symlinks included), so the path
/// compared is the real one, as runc compares the securejoin'd path.
fn check_proc_mount(
    rootfd: RawFd,
    dest: &Fd,
    m: &MountOp,
    source: Option<&Fd>,
    tree: Option<&Fd>,
) -> Result<()> {
    let handled = matches!(
        m.fstype.as_str(),
        "proc" | "sysfs" | "tmpfs" | "mqueue" | "cgroup" | "cgroup2"
    );
    if m.flags & libc::MS_BIND == 0 && tree.is_none() && handled {
        return Ok(());
    }
    let what = || format!("mount {} on {}", m.fstype, m.destination);
    let root = fd_path(rootfd).ctx("mount", what())?;
    let full = fd_path(dest.0).ctx("mount", what())?;
    let Some(rel) = full.strip_prefix(&root).map(|r| r.trim_start_matches('/')) else {
        return Ok(());
    };
    let refuse = |why: &str| {
        InitError::new(
            "mount",
            format!(
                "error mounting {:?} to rootfs at {:?}: {full:?} cannot be mounted because {why}",
                m.source, m.destination
            ),
        )
    };
    if rel == "proc" {
        // Only a procfs may replace /proc: the source's filesystem decides.
        let mut st: libc::statfs = unsafe { std::mem::zeroed() };
        let rc = match source.or(tree) {
            Some(fd) => unsafe { libc::fstatfs(fd.0, &mut st) },
            None => unsafe { libc::statfs(cstr(&m.source).as_ptr(), &mut st) },
        };
        if rc < 0 {
            return Err(InitError::os(
                "mount",
                &io::Error::last_os_error(),
                format!("statfs {}", m.source),
            ));
        }
        if st.f_type as libc::c_long != super::procfs::PROC_SUPER_MAGIC {
            return Err(refuse("it is not of type proc"));
        }
        return Ok(());
    }
    if rel.starts_with("proc/") && !PROC_MOUNT_ALLOWED.contains(&rel) {
        return Err(refuse("it is inside /proc"));
    }
    Ok(())
}

/// One MountOp. `tree`: the detached id-mapped copy of the source made by
/// idmap::prepare, attached here with move_mount(2) instead of mount(2).
pub fn mount_one(rootfd: RawFd, m: &MountOp, tree: Option<&Fd>, source: Option<&Fd>) -> Result<()> {
    let what = |s: &str| format!("{s} {} on {}", m.fstype, m.destination);
    // tmpcopyup copies the destination's mode only when it was there before.
    let existed = m.copy_up && open_in_root(rootfd, &m.destination).is_ok();
    let kernel_fs = (m.fstype == "proc" || m.fstype == "sysfs")
        && m.flags & libc::MS_BIND == 0
        && tree.is_none()
        && !m.copy_up;
    let dest = if kernel_fs {
        ordinary_dir_in_root(rootfd, m)?
    } else {
        create_in_root(rootfd, &m.destination, m.create_as == "file")
            .ctx("mount", what("create destination for"))?
    };
    check_proc_mount(rootfd, &dest, m, source, tree)?;
    if m.copy_up {
        let tmpfs = super::copyup::tmpfs(dest.0, &m.source, m.flags, &m.data, existed)
            .ctx("mount", what("tmpcopyup: copy the destination into the"))?;
        super::idmap::attach(tmpfs.0, dest.0)
            .ctx("mount", what("tmpcopyup: attach (move_mount) the"))?;
    } else if let Some(tree) = tree {
        super::idmap::attach(tree.0, dest.0)
            .ctx("mount", what("attach (move_mount) the id-mapped"))?;
    } else {
        let fstype = if m.fstype.is_empty() || m.flags & libc::MS_BIND != 0 {
            None
        } else {
            Some(m.fstype.as_str())
        };
        // A bind source opened by the host's root (mountsrc.rs) is bound from its fd.
        let by_fd = source.map(|fd| format!("/proc/self/fd/{}", fd.0));
        let src = if let Some(p) = &by_fd {
            Some(p.as_str())
        } else if m.source.is_empty() {
            Some(m.fstype.as_str())
        } else {
            Some(m.source.as_str())
        };
        let flags = if delays_readonly(m) {
            m.flags & !libc::MS_RDONLY
        } else {
            m.flags
        };
        mount(src, &dest.proc_path(), fstype, flags, Some(&m.data)).ctx("mount", what("mount"))?;
    }
    drop(dest);
    if m.remount_flags == 0 && m.propagation.is_empty() && m.attr_set == 0 && m.attr_clr == 0 {
        return Ok(());
    }
    // Re-open: the old fd still points at the directory under the new mount.
    let mounted = open_in_root(rootfd, &m.destination).ctx("mount", what("reopen"))?;
    let target = mounted.proc_path();
    if m.remount_flags != 0 {
        bind_remount(&target, m.remount_flags).ctx("mount", what("remount"))?;
    }
    if m.attr_set != 0 || m.attr_clr != 0 {
        set_attr_recursive(mounted.0, m.attr_set, m.attr_clr)
            .ctx("mount", what("set recursive attributes (mount_setattr) of"))?;
    }
    for &prop in &m.propagation {
        mount(None, &target, None, prop, None).ctx("mount", what("set propagation of"))?;
    }
    Ok(())
}

/// struct mount_attr (mount_setattr(2), linux/mount.h).
#[repr(C)]
pub(super) struct MountAttr {
    pub attr_set: u64,
    pub attr_clr: u64,
    pub propagation: u64,
    pub userns_fd: u64,
}

/// AT_RECURSIVE (linux/fcntl.h): mount_setattr and open_tree act on every
/// mount of the tree, not only its top.
pub(super) const AT_RECURSIVE: libc::c_uint = 0x8000;

/// mount_setattr(fd, "", AT_EMPTY_PATH [| AT_RECURSIVE], attr) (Linux 5.12):
/// the attributes of the mount `fd` is the root of (and of every mount below
/// it with `recursive`). The one wrapper for the recursive mount options, the
/// idmap and propagation of detached trees, and a read-only copy-up tmpfs.
pub(super) fn mount_setattr(fd: RawFd, recursive: bool, attr: &MountAttr) -> io::Result<()> {
    let flags = libc::AT_EMPTY_PATH as libc::c_uint | if recursive { AT_RECURSIVE } else { 0 };
    let r = unsafe {
        libc::syscall(
            libc::SYS_mount_setattr,
            fd,
            c"".as_ptr(),
            flags,
            attr as *const MountAttr,
            std::mem::size_of::<MountAttr>(),
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The recursive mount options (`rro`, `rnosuid`...) on the mount `fd` and every mount below it.
fn set_attr_recursive(fd: RawFd, set: u64, clr: u64) -> io::Result<()> {
    mount_setattr(
        fd,
        true,
        &MountAttr {
            attr_set: set,
            attr_clr: clr,
            propagation: 0,
            userns_fd: 0,
        },
    )
}

/// pivot_root(".", ".") as runc (rootfs_linux.go pivotRoot): it avoids a
/// temporary directory for the old root; the old root ends up stacked on
/// "/", is made a slave (so the unmount does not propagate to the host) and
/// lazily detached. Neither fd survives (CVE-2024-21626: no host directory
/// may stay reachable as an fd or the cwd).
pub fn pivot(root: &str) -> Result<()> {
    let open_dir = |p: &str| -> Result<Fd> {
        let c = cstr(p);
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(InitError::os(
                "pivot-root",
                &io::Error::last_os_error(),
                format!("open {p}"),
            ));
        }
        Ok(Fd(fd))
    };
    let old = open_dir("/")?;
    let new = open_dir(root)?;
    let sys = |r: libc::c_long, what: &str| -> Result<()> {
        if r < 0 {
            return Err(InitError::os(
                "pivot-root",
                &io::Error::last_os_error(),
                what,
            ));
        }
        Ok(())
    };
    sys(unsafe { libc::fchdir(new.0) } as _, "fchdir to the rootfs")?;
    sys(
        unsafe { libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()) },
        "pivot_root",
    )?;
    sys(
        unsafe { libc::fchdir(old.0) } as _,
        "fchdir to the old root",
    )?;
    mount(None, &cstr("."), None, libc::MS_SLAVE | libc::MS_REC, None)
        .ctx("pivot-root", "make the old root a slave")?;
    sys(
        unsafe { libc::umount2(c".".as_ptr(), libc::MNT_DETACH) } as _,
        "unmount the old root",
    )?;
    sys(unsafe { libc::chdir(c"/".as_ptr()) } as _, "chdir /")?;
    Ok(())
}

/// A mountinfo field with its octal escapes (`\040` for a space...) undone
/// (proc_pid_mountinfo(5)).
fn unescape_mountinfo(field: &str) -> String {
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The host's full procfs and sysfs mounts (root "/" of their filesystem)
/// outside the rootfs `real`, from our mount namespace's mountinfo.
fn host_kernel_fs_mounts(real: &str) -> Vec<String> {
    let Ok(info) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let inside =
        |mp: &str| mp == real || mp.starts_with(&format!("{}/", real.trim_end_matches('/')));
    info.lines()
        .filter_map(|line| {
            let (pre, post) = line.split_once(" - ")?;
            let f: Vec<&str> = pre.split(' ').collect();
            let fstype = post.split(' ').next()?;
            let mp = unescape_mountinfo(f.get(4)?);
            (f.get(3) == Some(&"/") && (fstype == "proc" || fstype == "sysfs") && !inside(&mp))
                .then_some(mp)
        })
        .collect()
}

/// fds 0-2 that are the host's /dev/null become the container's own
/// /dev/null (runc rootfs_linux.go reOpenDevNull, after pivot_root): a
/// process holding a file of a mount outside its mount namespace cannot be
/// checkpointed (CRIU: "Can't lookup mount=N for fd=0 path=/dev/null").
/// No /dev/null in the container (no /dev set up): nothing to do.
pub fn reopen_dev_null() -> Result<()> {
    let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return if e.raw_os_error() == Some(libc::ENOENT) {
            Ok(())
        } else {
            Err(InitError::os("reopen-dev-null", &e, "open /dev/null"))
        };
    }
    let mut null: libc::stat = unsafe { std::mem::zeroed() };
    let mut out = Ok(());
    if unsafe { libc::fstat(fd, &mut null) } < 0 {
        out = Err(InitError::os(
            "reopen-dev-null",
            &io::Error::last_os_error(),
            "fstat /dev/null",
        ));
    } else if null.st_mode & libc::S_IFMT == libc::S_IFCHR {
        for i in 0..3 {
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if unsafe { libc::fstat(i, &mut st) } < 0 {
                continue; // closed: nothing to replace
            }
            if st.st_mode & libc::S_IFMT == libc::S_IFCHR
                && st.st_rdev == null.st_rdev
                && unsafe { libc::dup3(fd, i, 0) } < 0
            {
                out = Err(InitError::os(
                    "reopen-dev-null",
                    &io::Error::last_os_error(),
                    format!("dup3 /dev/null onto fd {i}"),
                ));
                break;
            }
        }
    }
    unsafe { libc::close(fd) };
    out
}

/// --no-pivot: move the rootfs onto "/" and chroot (runc's msMoveRoot,
/// without pivot_root, e.g. on a ramfs root). Unlike pivot_root, chroot
/// leaves the host's mounts in the container's mount namespace, and the
/// kernel lets a nested user namespace mount a fresh procfs or sysfs when
/// any fully visible one is in the namespace (mount_too_revealing in
/// fs/namespace.c), which would bypass maskedPaths and readonlyPaths. As
/// runc, every host procfs and sysfs outside the rootfs is detached first
/// (made a slave so the unmount does not reach the host), or covered with a
/// tmpfs where it cannot be unmounted.
pub fn move_root(root: &str) -> Result<()> {
    let real = std::fs::canonicalize(root)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| root.to_string());
    for mp in host_kernel_fs_mounts(&real) {
        let target = cstr(&mp);
        match mount(None, &target, None, libc::MS_SLAVE | libc::MS_REC, None) {
            // A parent was detached already, taking this one with it.
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => continue,
            r => r.ctx("pivot-root", format!("make {mp} a slave"))?,
        }
        if unsafe { libc::umount2(target.as_ptr(), libc::MNT_DETACH) } < 0 {
            let e = io::Error::last_os_error();
            if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::EPERM)) {
                return Err(InitError::os("pivot-root", &e, format!("unmount {mp}")));
            }
            mount(Some("tmpfs"), &target, Some("tmpfs"), 0, None)
                .ctx("pivot-root", format!("cover {mp} with a tmpfs"))?;
        }
    }
    let c = cstr(root);
    if unsafe { libc::chdir(c.as_ptr()) } < 0 {
        return Err(InitError::os(
            "pivot-root",
            &io::Error::last_os_error(),
            format!("chdir {root}"),
        ));
    }
    mount(Some(root), &cstr("/"), None, libc::MS_MOVE, None)
        .ctx("pivot-root", "move the rootfs onto /")?;
    if unsafe { libc::chroot(c".".as_ptr()) } < 0 || unsafe { libc::chdir(c"/".as_ptr()) } < 0 {
        return Err(InitError::os(
            "pivot-root",
            &io::Error::last_os_error(),
            "chroot",
        ));
    }
    Ok(())
}

/// readonlyPaths: bind the path onto itself and remount it read-only
/// (runc readonlyPath); a missing path is not an error.
pub fn readonly_path(path: &str) -> Result<()> {
    let c = cstr(path);
    match mount(Some(path), &c, None, libc::MS_BIND | libc::MS_REC, None) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
        r => r.ctx("readonly-paths", format!("bind {path}"))?,
    }
    bind_remount(&c, libc::MS_RDONLY | libc::MS_REC)
        .ctx("readonly-paths", format!("remount {path} read-only"))
}

/// maskedPaths: /dev/null over a file, an empty read-only tmpfs over a
/// directory (runc maskPath); a missing path is not an error.
/// `tmpfs_data`: the mount label (runc's maskPath formats it the same way).
pub fn mask_path(path: &str, tmpfs_data: Option<&str>) -> Result<()> {
    let c = cstr(path);
    match mount(Some("/dev/null"), &c, None, libc::MS_BIND, None) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => mount(
            Some("tmpfs"),
            &c,
            Some("tmpfs"),
            libc::MS_RDONLY,
            tmpfs_data,
        )
        .ctx("masked-paths", format!("mask {path}")),
        Err(e) => Err(InitError::os("masked-paths", &e, format!("mask {path}"))),
    }
}

pub fn readonly_root() -> Result<()> {
    bind_remount(&cstr("/"), libc::MS_RDONLY | libc::MS_REC)
        .ctx("rootfs-readonly", "remount / read-only")
}

#[cfg(test)]
mod tests {
    use super::unescape_mountinfo;

    #[test]
    fn mountinfo_escapes() {
        assert_eq!(unescape_mountinfo("/a\\040b\\011c\\134d"), "/a b\tc\\d");
        assert_eq!(unescape_mountinfo("/x\\04"), "/x\\04");
        assert_eq!(unescape_mountinfo("/plain"), "/plain");
    }
}
