//! Writes to the container's procfs that change the kernel's view of the
//! process or its namespaces (sysctl, oom_score_adj, the LSM attr files).
//!
//! Such a write must reach the procfs file it names, not whatever a hostile
//! image or a racing container put at that path: CVE-2025-52881 redirected
//! runc's attr/exec write to /proc/sys/kernel/core_pattern with a bind mount
//! of one procfs file over another, and CVE-2019-19921 swapped /proc for a
//! directory of the image's. So the file is opened without following a
//! final symlink, must be on procfs (fstatfs(2) f_type PROC_SUPER_MAGIC),
//! and must sit on the same mount as /proc itself (statx(2) STATX_MNT_ID):
//! a bind mount over it, even of another procfs file, is a mount of its own
//! and is refused. runc 1.2.8 / 1.3.3 fixed the same class by opening these
//! files through a private procfs handle (cyphar/filepath-securejoin's
//! pathrs-lite procfs).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

/// statfs(2) f_type of procfs (linux/magic.h).
pub const PROC_SUPER_MAGIC: libc::c_long = 0x9fa0;
/// statx(2) mask bit for stx_mnt_id (Linux 5.8).
const STATX_MNT_ID: u32 = 0x1000;

fn on_procfs(fd: libc::c_int) -> io::Result<bool> {
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstatfs(fd, &mut st) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(st.f_type as libc::c_long == PROC_SUPER_MAGIC)
}

/// The mount id of `path` relative to `dirfd` (AT_EMPTY_PATH with ""),
/// None where the kernel does not report it (before 5.8).
fn mount_id(
    dirfd: libc::c_int,
    path: &std::ffi::CStr,
    flags: libc::c_int,
) -> io::Result<Option<u64>> {
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    if unsafe { libc::statx(dirfd, path.as_ptr(), flags, STATX_MNT_ID, &mut stx) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((stx.stx_mask & STATX_MNT_ID != 0).then_some(stx.stx_mnt_id))
}

/// Opens a procfs file for writing, refusing anything but the real file on
/// the /proc mount (module docs). The error says which check failed.
pub fn open_write(path: &str) -> io::Result<File> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)?;
    let fd = f.as_raw_fd();
    if !on_procfs(fd)? {
        return Err(io::Error::other(format!("{path} is not on procfs")));
    }
    let proc_root = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open("/proc")?;
    if !on_procfs(proc_root.as_raw_fd())? {
        return Err(io::Error::other("/proc is not procfs"));
    }
    let file_mnt = mount_id(fd, c"", libc::AT_EMPTY_PATH)?;
    let root_mnt = mount_id(proc_root.as_raw_fd(), c"", libc::AT_EMPTY_PATH)?;
    if let (Some(a), Some(b)) = (file_mnt, root_mnt) {
        if a != b {
            return Err(io::Error::other(format!(
                "{path} is covered by another mount (a mount over a procfs file redirects the write: CVE-2025-52881)"
            )));
        }
    }
    Ok(f)
}

/// open_write + one write(2) of the whole value (procfs takes a value in
/// one write; a short write is an error).
pub fn write(path: &str, value: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = open_write(path)?;
    let n = f.write(value)?;
    if n != value.len() {
        return Err(io::Error::other(format!(
            "short write ({n} of {} bytes)",
            value.len()
        )));
    }
    Ok(())
}
