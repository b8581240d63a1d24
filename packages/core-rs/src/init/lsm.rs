//! Linux security modules: the AppArmor profile and the SELinux labels a
//! container gets, written where and as runc writes them
//! (libcontainer/apparmor/apparmor_linux.go, go-selinux). Each write only
//! takes effect later: attr/exec at the next execve(2), attr/keycreate for
//! the next key created; the init itself stays unconfined while it sets up.
//! The compiler decides what is asked (program.d.ts); here it is only
//! written, with every failure a create-time error.

use super::error::{InitError, Result};
use super::program::ProcessProgram;
use super::rootfs::Fd;
use std::ffi::CStr;
use std::fs::File;
use std::io::{self, Write};

/// Which LSMs this host has, checked at the start, before pivot_root (the
/// container's /sys may differ or be absent).
pub struct Lsm {
    pub apparmor: bool,
    pub selinux: bool,
}

pub fn detect() -> Lsm {
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .map(|s| s.trim() == "Y")
        .unwrap_or(false);
    let selinux = std::path::Path::new("/sys/fs/selinux/enforce").exists();
    Lsm { apparmor, selinux }
}

/// Opens the first of `paths` that exists for writing and checks it is on
/// procfs. After pivot_root, /proc is the container's: a volume mounted over
/// it would turn the label write into a write to a plain file and leave the
/// process unconfined (CVE-2019-16884; runc's utils.EnsureProcHandle).
fn open_attr(paths: &[&'static str]) -> io::Result<(File, &'static str)> {
    let mut last = io::Error::from_raw_os_error(libc::ENOENT);
    for &path in paths {
        // On the /proc mount itself, never a mount over it (procfs.rs).
        match super::procfs::open_write(path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// One write(2) of `value`: the LSM parses the whole buffer as one request.
fn write_attr(step: &'static str, paths: &[&'static str], value: &str, what: &str) -> Result<()> {
    let (mut f, path) = open_attr(paths)
        .map_err(|e| InitError::os(step, &e, format!("{what}: open {}", paths[0])))?;
    match f.write(value.as_bytes()) {
        Ok(n) if n == value.len() => Ok(()),
        Ok(n) => Err(InitError::new(
            step,
            format!(
                "{what}: write {path}: short write ({n} of {} bytes)",
                value.len()
            ),
        )),
        Err(e) => Err(InitError::os(step, &e, format!("{what}: write {path}"))),
    }
}

/// SELinux: the label of the keys this thread creates next, so the session
/// keyring joined right after carries the process label (go-selinux
/// SetKeyLabel, called by runc before keys.JoinSessionKeyring). execve
/// resets it (the kernel clears keycreate_sid on exec).
pub fn key_label(label: &str) -> Result<()> {
    write_attr(
        "keyring",
        &["/proc/thread-self/attr/keycreate"],
        label,
        &format!("set the session keyring's selinux label {label:?}"),
    )
}

/// The process's labels for its execve: AppArmor `exec PROFILE` on
/// attr/apparmor/exec (attr/exec on kernels before 5.1, where it is the only
/// LSM's file), as runc's apparmor.ApplyProfile; SELinux the label on
/// attr/exec (go-selinux SetExecLabel). Called after the container's /proc
/// is in place and before seccomp, the capability drop, no_new_privs and
/// `ready`: the last point where a profile that is not loaded still fails
/// `create`, and where neither a seccomp filter nor no_new_privs can refuse
/// the write (AppArmor refuses a profile change under no_new_privs on some
/// kernels). The label only applies at execve: hooks and the fifo wait run
/// before it exactly as without an LSM, except that startContainer hooks
/// exec'd by the init inherit it, as under runc.
pub fn exec_labels(p: &ProcessProgram, have: &Lsm) -> Result<()> {
    if let Some(profile) = p.apparmor_profile.as_deref().filter(|s| !s.is_empty()) {
        if !have.apparmor {
            return Err(InitError::new("apparmor", format!("apparmor profile {profile:?} requested but AppArmor is not enabled on this host")));
        }
        let paths = ["/proc/self/attr/apparmor/exec", "/proc/self/attr/exec"];
        let (mut f, path) = open_attr(&paths).map_err(|e| {
            InitError::os(
                "apparmor",
                &e,
                format!("apply apparmor profile {profile:?}: open {}", paths[0]),
            )
        })?;
        if let Err(e) = f.write_all(format!("exec {profile}").as_bytes()) {
            // The kernel answers ENOENT for a name it has no profile for.
            let hint = if e.raw_os_error() == Some(libc::ENOENT) {
                " (the profile is not loaded: apparmor_parser -r FILE loads it)"
            } else {
                ""
            };
            return Err(InitError::os(
                "apparmor",
                &e,
                format!("apply apparmor profile {profile:?}{hint}: write {path}"),
            ));
        }
    }
    if let Some(label) = p.selinux_label.as_deref().filter(|s| !s.is_empty()) {
        if !have.selinux {
            return Err(InitError::new(
                "selinux",
                format!(
                    "selinux label {label:?} requested but SELinux is not enabled on this host"
                ),
            ));
        }
        write_attr(
            "selinux",
            &["/proc/thread-self/attr/exec"],
            label,
            &format!("set the process selinux label {label:?}"),
        )?;
    }
    Ok(())
}

const XATTR_SELINUX: &CStr = c"security.selinux";

/// SELinux: label the root of a mount that cannot take `context=` (mqueue:
/// a mount in an IPC namespace reuses the namespace's superblock, which the
/// kernel already set up without options), as runc's label.SetFileLabel.
/// `mounted` is an O_PATH fd of the mount's root: setxattr(2) follows the
/// /proc/self/fd link to it.
pub fn file_label(mounted: &Fd, label: &str, destination: &str) -> Result<()> {
    let path = mounted.proc_path();
    if unsafe {
        libc::setxattr(
            path.as_ptr(),
            XATTR_SELINUX.as_ptr(),
            label.as_ptr() as *const libc::c_void,
            label.len(),
            0,
        )
    } < 0
    {
        return Err(InitError::os(
            "mount",
            &io::Error::last_os_error(),
            format!("set the selinux label {label:?} of {destination}"),
        ));
    }
    Ok(())
}
