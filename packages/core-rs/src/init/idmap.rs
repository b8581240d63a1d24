//! Id-mapped mounts (runtime-spec config.md "Mounts": `uidMappings`,
//! `gidMappings`, `idmap`, `ridmap`), as runc 1.2 (libcontainer
//! mount_linux.go mountFd):
//!
//! 1. a user namespace that carries the mount's mapping: a helper child
//!    is cloned into a new user namespace, we write its uid_map/gid_map,
//!    keep /proc/<child>/ns/user open and kill the child (user_namespaces(7):
//!    the namespace lives as long as an fd refers to it);
//! 2. `open_tree(source, OPEN_TREE_CLONE [| AT_RECURSIVE for rbind])`: a
//!    detached copy of the source (open_tree(2));
//! 3. `mount_setattr(tree, MOUNT_ATTR_IDMAP, userns [, AT_RECURSIVE for
//!    ridmap])` (mount_setattr(2));
//! 4. later, in the container's mount namespace, `move_mount(tree, dest)`
//!    attaches it at the destination resolved inside the rootfs
//!    (rootfs.rs mount_one).
//!
//! Steps 1-3 need CAP_SYS_ADMIN over the filesystem's user namespace (the
//! host's) and only work on a mount that was never attached (mount_setattr(2)
//! EINVAL/EPERM), so mod.rs runs them before the init creates or joins the
//! container's user namespace. A detached tree may be attached in any mount
//! namespace we may mount in (move_mount(2)), so the fds simply travel with
//! the init (O_CLOEXEC: they never reach the container process).

use super::error::{InitError, Result};
use super::program::{IdmapOp, MountOp};
use super::rootfs::{mount_setattr, Fd, MountAttr, AT_RECURSIVE};
use super::{cstr, Init};
use std::io;
use std::os::fd::RawFd;

const OPEN_TREE_CLONE: libc::c_uint = 1;
const MOUNT_ATTR_IDMAP: u64 = 0x0010_0000;
const MOVE_MOUNT_F_EMPTY_PATH: libc::c_uint = 0x04;
const MOVE_MOUNT_T_EMPTY_PATH: libc::c_uint = 0x40;

/// A helper process parked in a new user namespace; killed and reaped on drop.
struct Helper(libc::pid_t);

impl Drop for Helper {
    fn drop(&mut self) {
        unsafe {
            libc::kill(self.0, libc::SIGKILL);
            while libc::waitpid(self.0, std::ptr::null_mut(), 0) < 0
                && crate::sys::last_errno() == libc::EINTR
            {}
        }
    }
}

/// A user namespace with the given uid_map/gid_map text ("containerID
/// hostID size" lines, user_namespaces(7)), as an fd on its nsfs inode.
pub fn userns_with_maps(uid_map: &str, gid_map: &str) -> io::Result<Fd> {
    // clone(CLONE_NEWUSER) without a new stack behaves like fork(2), with the
    // child born in the new namespace: no handshake is needed before the maps
    // can be written. The child only makes raw system calls until it is killed.
    let pid = unsafe {
        libc::syscall(
            libc::SYS_clone,
            (libc::CLONE_NEWUSER | libc::SIGCHLD) as libc::c_ulong,
            0usize,
            0usize,
            0usize,
            0usize,
        )
    };
    if pid < 0 {
        return Err(io::Error::last_os_error());
    }
    if pid == 0 {
        unsafe {
            // Never outlive the init, even if it is killed before it reaps us.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            loop {
                libc::pause();
            }
        }
    }
    let helper = Helper(pid as libc::pid_t);
    // We are root in the parent user namespace with CAP_SETUID/CAP_SETGID, so
    // any mapping may be written and setgroups need not be denied
    // (user_namespaces(7) "Defining user and group ID mappings").
    std::fs::write(format!("/proc/{}/uid_map", helper.0), uid_map)?;
    std::fs::write(format!("/proc/{}/gid_map", helper.0), gid_map)?;
    open_ns(&format!("/proc/{}/ns/user", helper.0))
}

fn open_ns(path: &str) -> io::Result<Fd> {
    let c = cstr(path);
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Fd(fd))
}

/// open_tree(2) with OPEN_TREE_CLONE: a detached copy of the mount at
/// `source` (with every submount when `recursive`), owned by no namespace.
pub fn clone_tree(source: &str, recursive: bool) -> io::Result<Fd> {
    let c = cstr(source);
    let flags = OPEN_TREE_CLONE
        | libc::O_CLOEXEC as libc::c_uint
        | if recursive { AT_RECURSIVE } else { 0 };
    let fd = unsafe { libc::syscall(libc::SYS_open_tree, libc::AT_FDCWD, c.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Fd(fd as RawFd))
}

/// mount_setattr(2) MOUNT_ATTR_IDMAP: the detached tree `tree` shows and
/// writes ids through the mapping of `userns`; every mount of the tree with
/// `recursive` (AT_RECURSIVE), else only its top mount.
pub fn set_idmap(tree: RawFd, userns: RawFd, recursive: bool) -> io::Result<()> {
    mount_setattr(
        tree,
        recursive,
        &MountAttr {
            attr_set: MOUNT_ATTR_IDMAP,
            attr_clr: 0,
            propagation: 0,
            userns_fd: userns as u64,
        },
    )
}

/// mount_setattr(2) `propagation` (MS_SHARED, MS_SLAVE, MS_PRIVATE or
/// MS_UNBINDABLE) of the detached tree, of every mount in it with `recursive`.
pub fn set_propagation(tree: RawFd, propagation: u64, recursive: bool) -> io::Result<()> {
    mount_setattr(
        tree,
        recursive,
        &MountAttr {
            attr_set: 0,
            attr_clr: 0,
            propagation,
            userns_fd: 0,
        },
    )
}

/// move_mount(2): attach the detached tree `tree` on the directory or file
/// `dest` (an O_PATH fd resolved inside the rootfs), never by path.
pub fn attach(tree: RawFd, dest: RawFd) -> io::Result<()> {
    let r = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree,
            c"".as_ptr(),
            dest,
            c"".as_ptr(),
            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Step `mount-idmap`: one detached, id-mapped tree per MountOp with
/// `idmap` (None for the others), in program order. Run in the host's user
/// and mount namespaces, before enter_user. `rootfs_propagation` is the
/// program's rootfs.propagation (0: MS_SLAVE|MS_REC).
pub fn prepare(
    init: &Init,
    mounts: &[MountOp],
    rootfs_propagation: u64,
) -> Result<Vec<Option<Fd>>> {
    if mounts.iter().all(|m| m.idmap.is_none()) {
        return Ok(Vec::new());
    }
    init.at("mount-idmap")?;
    // One user namespace per distinct mapping (runc's userns.Handles does the same).
    let mut namespaces: Vec<((String, String), Fd)> = Vec::new();
    let mut out = Vec::with_capacity(mounts.len());
    for m in mounts {
        let Some(id) = &m.idmap else {
            out.push(None);
            continue;
        };
        let err = |e: io::Error, what: &str| {
            // runc's hint: EINVAL is what a filesystem without idmap support returns.
            let hint =
                if e.raw_os_error() == Some(libc::EINVAL) && what.starts_with("mount_setattr") {
                    " (does the filesystem support id-mapped mounts on this kernel?)"
                } else {
                    ""
                };
            InitError::os(
                "mount-idmap",
                &e,
                format!("{what} for {} on {}{hint}", m.source, m.destination),
            )
        };
        let tree = clone_tree(&m.source, m.flags & libc::MS_REC != 0)
            .map_err(|e| err(e, "open_tree(OPEN_TREE_CLONE)"))?;
        let owned;
        let userns: RawFd = match id {
            IdmapOp {
                userns_path: Some(p),
                ..
            } => {
                owned = open_ns(p).map_err(|e| err(e, &format!("open user namespace {p}")))?;
                owned.0
            }
            IdmapOp {
                uid_map: Some(u),
                gid_map: Some(g),
                ..
            } => {
                let key = (u.clone(), g.clone());
                match namespaces.iter().find(|(k, _)| *k == key) {
                    Some((_, fd)) => fd.0,
                    None => {
                        let fd = userns_with_maps(u, g).map_err(|e| {
                            err(e, "create a user namespace with the mount's mappings")
                        })?;
                        let raw = fd.0;
                        namespaces.push((key, fd));
                        raw
                    }
                }
            }
            _ => {
                return Err(InitError::new(
                    "mount-idmap",
                    format!(
                        "idmap of {} needs uidMap and gidMap or usernsPath",
                        m.destination
                    ),
                ))
            }
        };
        set_idmap(tree.0, userns, id.recursive)
            .map_err(|e| err(e, "mount_setattr(MOUNT_ATTR_IDMAP)"))?;
        // A clone of a shared host mount is its peer (open_tree(2) copies the
        // propagation), so mounts made under it inside the container would
        // reach the host. A plain bind in the container's mount namespace is a
        // slave instead, because "/" was made rslave first (rootfsPropagation);
        // give the tree the same propagation before it is attached.
        let (prop, rec) = if rootfs_propagation == 0 {
            (libc::MS_SLAVE, true)
        } else {
            (
                rootfs_propagation
                    & (libc::MS_SHARED | libc::MS_SLAVE | libc::MS_PRIVATE | libc::MS_UNBINDABLE),
                rootfs_propagation & libc::MS_REC != 0,
            )
        };
        if prop != 0 {
            set_propagation(tree.0, prop, rec).map_err(|e| err(e, "mount_setattr(propagation)"))?;
        }
        out.push(Some(tree));
    }
    Ok(out)
}
