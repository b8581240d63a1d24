//! process.terminal: a pty allocated inside the container's /dev/pts (after
//! pivot_root, so /dev/ptmx is the container's devpts instance), made the
//! controlling terminal and fds 0-2; the master goes to the console socket
//! by SCM_RIGHTS (runc's --console-socket protocol: one fd).

use super::error::{InitError, Result};
use super::program::ConsoleSize;
use super::rootfs::Fd;
use crate::sys::send_fd;
use std::io;
use std::os::fd::RawFd;

fn err(what: &str) -> InitError {
    InitError::os("console", &io::Error::last_os_error(), what)
}

pub fn setup(console_socket: Option<RawFd>, size: Option<&ConsoleSize>) -> Result<()> {
    let Some(sock) = console_socket else {
        return Err(InitError::new(
            "console",
            "process.terminal is set but no console socket was given",
        ));
    };
    let master = unsafe {
        libc::open(
            c"/dev/ptmx".as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if master < 0 {
        return Err(err("open /dev/ptmx"));
    }
    let master = Fd(master);
    let unlock: libc::c_int = 0;
    if unsafe { libc::ioctl(master.0, libc::TIOCSPTLCK, &unlock) } < 0 {
        return Err(err("unlock the pty"));
    }
    // TIOCGPTPEER (ioctl_tty(2)) opens the peer without a path lookup, so a
    // container cannot race us with a symlink at /dev/pts/N.
    let slave = unsafe { libc::ioctl(master.0, libc::TIOCGPTPEER, libc::O_RDWR | libc::O_NOCTTY) };
    if slave < 0 {
        return Err(err("open the pty peer"));
    }
    if let Some(s) = size {
        let ws = libc::winsize {
            ws_row: s.height,
            ws_col: s.width,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        if unsafe { libc::ioctl(slave, libc::TIOCSWINSZ, &ws) } < 0 {
            return Err(err("set the window size"));
        }
    }
    send_fd(sock, master.0, b"oci-ts-console")
        .map_err(|e| InitError::os("console", &e, "send the pty master"))?;
    drop(master);
    unsafe { libc::close(sock) };
    // We are a session leader (setsid earlier): this becomes our ctty.
    if unsafe { libc::ioctl(slave, libc::TIOCSCTTY, 0) } < 0 {
        return Err(err("make the pty the controlling terminal"));
    }
    for fd in 0..3 {
        if unsafe { libc::dup2(slave, fd) } < 0 {
            return Err(err("dup the pty onto stdio"));
        }
    }
    if slave > 2 {
        unsafe { libc::close(slave) };
    }
    Ok(())
}

/// Before the switch to process.user: stdio the user could not reopen
/// (`echo > /dev/stdout`, `stat $(tty)`) is given to the user, the group
/// kept (runc's fixStdioPermissions: 1000:5 for a pty with user.uid 1000).
/// Unlike runc, only objects that exist for this container are changed: a
/// pty of the container's own devpts, and pipes and sockets (pipefs/sockfs
/// inodes: no file of the host); a host file, device or the caller's own
/// terminal passed as stdio keeps its owner. Failures are ignored as in
/// runc (EINVAL: the group is not mapped in the user namespace; EPERM: the
/// owner is not; EROFS).
pub fn chown_stdio(uid: u32) {
    const DEVPTS_SUPER_MAGIC: i64 = 0x1cd1;
    const PIPEFS_MAGIC: i64 = 0x5049_5045;
    const SOCKFS_MAGIC: i64 = 0x534f_434b;
    let mut pts: libc::stat = unsafe { std::mem::zeroed() };
    let own_devpts = unsafe { libc::stat(c"/dev/pts".as_ptr(), &mut pts) } == 0;
    for fd in 0..3 {
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let mut sfs: libc::statfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::fstat(fd, &mut st) } < 0
            || unsafe { libc::fstatfs(fd, &mut sfs) } < 0
            || st.st_uid == uid
        {
            continue;
        }
        let kind = sfs.f_type as i64;
        let ours = match kind {
            PIPEFS_MAGIC | SOCKFS_MAGIC => true,
            DEVPTS_SUPER_MAGIC => own_devpts && st.st_dev == pts.st_dev,
            _ => false,
        };
        if ours {
            unsafe { libc::fchown(fd, uid, u32::MAX) };
        }
    }
}
