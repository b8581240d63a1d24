//! linux.devices and the default /dev symlinks, created inside the rootfs
//! (runc rootfs_linux.go createDevices / setupDevSymlinks / setupPtmx).

use super::error::{Ctx, InitError, Result};
use super::program::{DeviceOp, SymlinkOp};
use super::rootfs::{create_in_root, mount, parent_in_root};
use super::cstr;
use std::io;
use std::os::fd::RawFd;

pub fn create(rootfd: RawFd, d: &DeviceOp) -> Result<()> {
  let what = format!("device {}", d.path);
  if d.bind_from_host {
    // In a user namespace mknod(2) is not permitted: bind the host's node.
    let dest = create_in_root(rootfd, &d.path, true).ctx("device", &what)?;
    return mount(Some(&d.path), &dest.proc_path(), None, libc::MS_BIND as u64, None).ctx("device", format!("bind {what}"));
  }
  let kind = match d.kind.as_str() {
    "c" | "u" => libc::S_IFCHR,
    "b" => libc::S_IFBLK,
    "p" => libc::S_IFIFO,
    other => return Err(InitError::new("device", format!("{what}: unknown type {other:?}"))),
  };
  let (parent, name) = parent_in_root(rootfd, &d.path).ctx("device", &what)?;
  let dev = libc::makedev(d.major as u32, d.minor as u32);
  if unsafe { libc::mknodat(parent.0, name.as_ptr(), kind | (d.file_mode & 0o7777), dev) } < 0 {
    let e = io::Error::last_os_error();
    if e.raw_os_error() != Some(libc::EEXIST) {
      return Err(InitError::os("device", &e, format!("mknod {}", d.path)));
    }
  }
  // mknod applied the umask (0 during setup) and created it as root: set
  // what the config asks for, without following a symlink.
  if unsafe { libc::fchownat(parent.0, name.as_ptr(), d.uid, d.gid, libc::AT_SYMLINK_NOFOLLOW) } < 0 {
    return Err(InitError::os("device", &io::Error::last_os_error(), format!("chown {}", d.path)));
  }
  if unsafe { libc::fchmodat(parent.0, name.as_ptr(), d.file_mode & 0o7777, 0) } < 0 {
    return Err(InitError::os("device", &io::Error::last_os_error(), format!("chmod {}", d.path)));
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
