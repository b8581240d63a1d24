//! Bind-mount sources opened by the host's root for a container with a user
//! namespace (runc 1.1 nsexec.c send_mountsources). Once the init is in the
//! container's user namespace, its root is an unprivileged host uid (say
//! 100000) and a source only the host root can reach (a 0700 directory on
//! the way) fails with EACCES. The source must also be a mount of the
//! container's mount namespace (mount(2) refuses a bind of another
//! namespace's mount with EINVAL), so it cannot simply be opened before
//! unshare(CLONE_NEWNS) either.
//!
//! So, as runc: a helper process is forked while the init is still root in
//! the host's user namespace; once the init has created its mount namespace
//! the helper joins it (setns(2): the host root has CAP_SYS_ADMIN over every
//! user namespace), opens each source O_PATH there and hands the fds back
//! over a SOCK_SEQPACKET pair (SCM_RIGHTS), then exits. The init then binds
//! from `/proc/self/fd/N` (rootfs.rs mount_one); a source the helper cannot
//! open (not there yet, as the container's cgroup directories made at the
//! `pid` step) is bound by path as before. The fds are O_CLOEXEC and
//! dropped after the mounts: they never reach the container process.

use super::error::{InitError, Result};
use super::program::{MountOp, NamespaceOp};
use super::rootfs::Fd;
use super::{cstr, Init};
use crate::sys::{recv_fd, send_fd, Received};
use std::ffi::CString;
use std::io;

const STEP: &str = "mount-sources";

/// Whether `m` is a plain bind mount whose source the helper opens.
fn wanted(m: &MountOp) -> bool {
    let bind = m.flags & libc::MS_BIND != 0 && m.flags & libc::MS_REMOUNT == 0;
    bind && !m.source.is_empty() && m.idmap.is_none() && !m.copy_up && m.fstype != "cgroup"
}

/// The helper, killed and reaped on drop when it was not waited for.
pub struct Sources {
    pid: libc::pid_t,
    sock: Fd,
    indices: Vec<usize>,
    sources: Vec<String>,
}

impl Drop for Sources {
    fn drop(&mut self) {
        if self.pid > 0 {
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
                while libc::waitpid(self.pid, std::ptr::null_mut(), 0) < 0
                    && crate::sys::last_errno() == libc::EINTR
                {}
            }
        }
    }
}

/// Fork the helper (before enter_user) when the program has a user
/// namespace, creates a mount namespace and binds anything.
pub fn start(
    init: &Init,
    namespaces: &[NamespaceOp],
    mounts: &[MountOp],
) -> Result<Option<Sources>> {
    let userns = namespaces.iter().any(|n| n.kind == "user");
    let new_mntns = namespaces
        .iter()
        .any(|n| n.kind == "mount" && n.path.is_none());
    let indices: Vec<usize> = mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| wanted(m))
        .map(|(i, _)| i)
        .collect();
    if !userns || !new_mntns || indices.is_empty() {
        return Ok(None);
    }
    init.at(STEP)?;
    let sources: Vec<String> = indices.iter().map(|&i| mounts[i].source.clone()).collect();
    let paths: Vec<CString> = sources.iter().map(|s| cstr(s)).collect();
    let mut pair = [0; 2];
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_SEQPACKET | libc::SOCK_CLOEXEC,
            0,
            pair.as_mut_ptr(),
        )
    } < 0
    {
        return Err(InitError::os(
            STEP,
            &io::Error::last_os_error(),
            "socketpair",
        ));
    }
    let (ours, theirs) = (Fd(pair[0]), pair[1]);
    let nspath = cstr(&format!("/proc/{}/ns/mnt", unsafe { libc::getpid() }));
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        unsafe { libc::close(theirs) };
        return Err(InitError::os(
            STEP,
            &io::Error::last_os_error(),
            "fork the mount source helper",
        ));
    }
    if pid == 0 {
        // The helper: single-threaded, raw system calls, never returns.
        unsafe { helper(theirs, &nspath, &paths) }
    }
    unsafe { libc::close(theirs) };
    Ok(Some(Sources {
        pid,
        sock: ours,
        indices,
        sources,
    }))
}

unsafe fn helper(sock: libc::c_int, nspath: &CString, paths: &[CString]) -> ! {
    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
    let fail = |what: &[u8]| -> ! {
        let errno = crate::sys::last_errno();
        let msg = [b"E".as_slice(), errno.to_string().as_bytes(), b" ", what].concat();
        libc::send(
            sock,
            msg.as_ptr() as *const _,
            msg.len(),
            libc::MSG_NOSIGNAL,
        );
        libc::_exit(1)
    };
    // Wait until the init has its mount namespace (or is gone: EOF).
    let mut go = [0u8; 1];
    if libc::read(sock, go.as_mut_ptr() as *mut _, 1) != 1 {
        libc::_exit(0);
    }
    let ns = libc::open(nspath.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
    if ns < 0 {
        fail(b"open the container's mount namespace");
    }
    if libc::setns(ns, libc::CLONE_NEWNS) < 0 {
        fail(b"join the container's mount namespace");
    }
    libc::close(ns);
    for p in paths {
        let fd = libc::open(p.as_ptr(), libc::O_PATH | libc::O_CLOEXEC);
        if fd < 0 {
            // Not there yet (the container's own cgroup directories, made after
            // this) or not for us either: the init binds it by path as before,
            // and reports its own error if that fails too.
            if libc::send(sock, b"S".as_ptr() as *const _, 1, libc::MSG_NOSIGNAL) < 0 {
                libc::_exit(1);
            }
            continue;
        }
        if send_fd(sock, fd, b"ok").is_err() {
            libc::_exit(1);
        }
        libc::close(fd);
    }
    libc::_exit(0)
}

impl Sources {
    /// After the mount namespace exists: one O_PATH fd per bound mount, by
    /// mount index (None for the others).
    pub fn receive(mut self, n: usize) -> Result<Vec<Option<Fd>>> {
        let mut out: Vec<Option<Fd>> = (0..n).map(|_| None).collect();
        if unsafe { libc::write(self.sock.0, b"g".as_ptr() as *const _, 1) } != 1 {
            return Err(InitError::os(
                STEP,
                &io::Error::last_os_error(),
                "start the mount source helper",
            ));
        }
        for (k, &i) in self.indices.iter().enumerate() {
            let src = &self.sources[k];
            match recv_fd(self.sock.0, 60_000)
                .map_err(|e| InitError::os(STEP, &e, format!("receive the bind source {src}")))?
            {
                Received::Fd(fd, _) => out[i] = Some(Fd(fd)),
                Received::NoFd(msg) if msg == b"S" => {}
                Received::NoFd(msg) => {
                    let text = String::from_utf8_lossy(&msg).into_owned();
                    let (errno, what) = text
                        .strip_prefix('E')
                        .and_then(|t| t.split_once(' '))
                        .map(|(e, w)| (e.parse().unwrap_or(0), w.to_string()))
                        .unwrap_or((0, text));
                    return Err(InitError::os(
                        STEP,
                        &io::Error::from_raw_os_error(errno),
                        format!("mount source helper: {what} (to open {src} as the host's root)"),
                    ));
                }
                Received::Eof => {
                    return Err(InitError::new(
                        STEP,
                        format!("the mount source helper exited before sending {src}"),
                    ))
                }
            }
        }
        let mut st = 0;
        while unsafe { libc::waitpid(self.pid, &mut st, 0) } < 0
            && crate::sys::last_errno() == libc::EINTR
        {}
        self.pid = 0;
        Ok(out)
    }
}
