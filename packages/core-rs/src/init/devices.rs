//! linux.devices and the default /dev symlinks, created inside the rootfs
//! (runc rootfs_linux.go createDevices / setupDevSymlinks / setupPtmx).

use super::cstr;
use super::error::{Ctx, InitError, Result};
use super::program::{DeviceOp, SymlinkOp};
use super::rootfs::{create_in_root, mount, parent_in_root, Fd};
use std::io;
use std::os::fd::RawFd;

pub fn create(rootfd: RawFd, d: &DeviceOp) -> Result<()> {
    let what = format!("device {}", d.path);
    if d.bind_from_host {
        // In a user namespace mknod(2) is not permitted: bind the host's node.
        let dest = create_in_root(rootfd, &d.path, true).ctx("device", &what)?;
        return mount(Some(&d.path), &dest.proc_path(), None, libc::MS_BIND, None)
            .ctx("device", format!("bind {what}"));
    }
    let kind = match d.kind.as_str() {
        "c" | "u" => libc::S_IFCHR,
        "b" => libc::S_IFBLK,
        "p" => libc::S_IFIFO,
        other => {
            return Err(InitError::new(
                "device",
                format!("{what}: unknown type {other:?}"),
            ))
        }
    };
    let (parent, name) = parent_in_root(rootfd, &d.path).ctx("device", &what)?;
    let dev = libc::makedev(d.major as u32, d.minor as u32);
    let existed =
        unsafe { libc::mknodat(parent.0, name.as_ptr(), kind | (d.file_mode & 0o7777), dev) } < 0;
    if existed {
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EEXIST) {
            return Err(InitError::os("device", &e, format!("mknod {}", d.path)));
        }
    }
    // The entry is taken by its fd, never by name again: with O_NOFOLLOW an
    // image symlink at the device path (rootfs/dev/null -> /etc/shadow) is
    // opened as the link itself, and nothing below acts through it on a host
    // file (this runs before pivot_root; issue 13).
    let fd = unsafe {
        libc::openat(
            parent.0,
            name.as_ptr(),
            libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(InitError::os(
            "device",
            &io::Error::last_os_error(),
            format!("open {}", d.path),
        ));
    }
    let node = Fd(fd);
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(node.0, &mut st) } < 0 {
        return Err(InitError::os(
            "device",
            &io::Error::last_os_error(),
            format!("stat {}", d.path),
        ));
    }
    if existed && st.st_mode & libc::S_IFMT != kind {
        // Something else is already there (a symlink, a file, a directory from
        // the image or a mount): leave it as it is, as runc does on EEXIST
        // (rootfs_linux.go createDeviceNode).
        return Ok(());
    }
    // mknod applied the umask (0 during setup) and created it as root: set
    // what the config asks for on the node itself.
    if unsafe { libc::fchownat(node.0, c"".as_ptr(), d.uid, d.gid, libc::AT_EMPTY_PATH) } < 0 {
        return Err(InitError::os(
            "device",
            &io::Error::last_os_error(),
            format!("chown {}", d.path),
        ));
    }
    // fchmod(2) refuses O_PATH fds; chmod through the magic link acts on the
    // inode the fd holds, which fstat above checked is the device node.
    if unsafe { libc::chmod(node.proc_path().as_ptr(), d.file_mode & 0o7777) } < 0 {
        return Err(InitError::os(
            "device",
            &io::Error::last_os_error(),
            format!("chmod {}", d.path),
        ));
    }
    Ok(())
}

pub fn symlink(rootfd: RawFd, s: &SymlinkOp) -> Result<()> {
    let what = format!("symlink {} -> {}", s.linkpath, s.target);
    let (parent, name) = parent_in_root(rootfd, &s.linkpath).ctx("symlink", &what)?;
    let target = cstr(&s.target);
    let mut r = unsafe { libc::symlinkat(target.as_ptr(), parent.0, name.as_ptr()) };
    if r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EEXIST) {
        // /dev/ptmx must point at the container's devpts instance
        // (Documentation/filesystems/devpts.rst); other existing entries stay.
        if s.linkpath.trim_end_matches('/') != "/dev/ptmx" {
            return Ok(());
        }
        unsafe { libc::unlinkat(parent.0, name.as_ptr(), 0) };
        r = unsafe { libc::symlinkat(target.as_ptr(), parent.0, name.as_ptr()) };
    }
    if r < 0 {
        return Err(InitError::os("symlink", &io::Error::last_os_error(), what));
    }
    Ok(())
}
