//! Raw system call helpers shared by the addon and the `oci-ts-init`
//! executor. Nothing here allocates after a fork that JavaScript could be
//! waiting on, and nothing here knows about napi.

use std::io;
use std::os::fd::RawFd;

/// The errno name for `errno` (errno(3)); `"EUNKNOWN"` when not listed.
pub fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::E2BIG => "E2BIG",
        libc::ENOEXEC => "ENOEXEC",
        libc::EBADF => "EBADF",
        libc::ECHILD => "ECHILD",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::EXDEV => "EXDEV",
        libc::ENODEV => "ENODEV",
        libc::ENOTDIR => "ENOTDIR",
        libc::EISDIR => "EISDIR",
        libc::EINVAL => "EINVAL",
        libc::ENFILE => "ENFILE",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::ETXTBSY => "ETXTBSY",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::ESPIPE => "ESPIPE",
        libc::EROFS => "EROFS",
        libc::EMLINK => "EMLINK",
        libc::EPIPE => "EPIPE",
        libc::ERANGE => "ERANGE",
        libc::ENAMETOOLONG => "ENAMETOOLONG",
        libc::ENOSYS => "ENOSYS",
        libc::ENOTEMPTY => "ENOTEMPTY",
        libc::ELOOP => "ELOOP",
        libc::ENOTSOCK => "ENOTSOCK",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ECONNREFUSED => "ECONNREFUSED",
        libc::ECONNRESET => "ECONNRESET",
        libc::ENOTCONN => "ENOTCONN",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EMSGSIZE => "EMSGSIZE",
        _ => "EUNKNOWN",
    }
}

pub fn last_errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// `-1` → the current errno as an io::Error.
pub fn cvt<T: Into<i64> + Copy>(ret: T) -> io::Result<T> {
    if ret.into() < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The same, retried while the call was interrupted by a signal (EINTR).
pub fn cvt_retry<T: Into<i64> + Copy, F: FnMut() -> T>(mut f: F) -> io::Result<T> {
    loop {
        match cvt(f()) {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => return r,
        }
    }
}

pub fn close(fd: RawFd) {
    unsafe { libc::close(fd) };
}

/// Send one fd with SCM_RIGHTS (unix(7)); `data` must not be empty (a
/// message with no payload is not delivered on a stream socket).
pub fn send_fd(sock: RawFd, fd: RawFd, data: &[u8]) -> io::Result<()> {
    let payload: &[u8] = if data.is_empty() { b"\0" } else { data };
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr() as *mut _,
        iov_len: payload.len(),
    };
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr() as *mut _;
    msg.msg_controllen = space;
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as usize;
        std::ptr::copy_nonoverlapping(
            &fd as *const RawFd as *const u8,
            libc::CMSG_DATA(cmsg),
            std::mem::size_of::<RawFd>(),
        );
    }
    loop {
        let n = unsafe { libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) };
        if n >= 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            // A non-blocking socket (a Node net.Socket's fd): wait until writable.
            Some(libc::EAGAIN) => {
                poll_one(sock, libc::POLLOUT, -1)?;
            }
            _ => return Err(e),
        }
    }
}

/// Wait until `fd` has `events`; `Ok(false)` on timeout.
pub fn poll_one(fd: RawFd, events: i16, timeout_ms: i32) -> io::Result<bool> {
    let mut p = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    let n = cvt_retry(|| unsafe { libc::poll(&mut p, 1, timeout_ms) })?;
    Ok(n > 0)
}

pub enum Received {
    Fd(RawFd, Vec<u8>),
    NoFd(Vec<u8>),
    Eof,
}

/// Receive one message and the first fd it carries (SCM_RIGHTS, the fd made
/// O_CLOEXEC with MSG_CMSG_CLOEXEC so it cannot leak into a child). Extra fds
/// are closed. `timeout_ms` < 0 waits forever; a timeout is ETIMEDOUT.
pub fn recv_fd(sock: RawFd, timeout_ms: i32) -> io::Result<Received> {
    let (buf, fds) = recv_msg(sock, 4096, timeout_ms)?;
    if fds.is_empty() {
        return Ok(if buf.is_empty() {
            Received::Eof
        } else {
            Received::NoFd(buf)
        });
    }
    for &extra in &fds[1..] {
        close(extra);
    }
    Ok(Received::Fd(fds[0], buf))
}

/// One recvmsg(2) of at most `max_len` bytes and every fd it carries
/// (O_CLOEXEC). On a SOCK_SEQPACKET socket that is one whole record; a
/// record longer than `max_len` is EMSGSIZE (MSG_TRUNC), never cut silently.
/// `timeout_ms` < 0 waits forever; a timeout is ETIMEDOUT.
pub fn recv_msg(sock: RawFd, max_len: usize, timeout_ms: i32) -> io::Result<(Vec<u8>, Vec<RawFd>)> {
    if !poll_one(sock, libc::POLLIN, timeout_ms)? {
        return Err(io::Error::from_raw_os_error(libc::ETIMEDOUT));
    }
    let mut buf = vec![0u8; max_len.max(1)];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut _,
        iov_len: buf.len(),
    };
    let space = unsafe { libc::CMSG_SPACE((16 * std::mem::size_of::<RawFd>()) as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr() as *mut _;
    msg.msg_controllen = space;
    let n = loop {
        let n = unsafe { libc::recvmsg(sock, &mut msg, libc::MSG_CMSG_CLOEXEC) };
        if n >= 0 {
            break n as usize;
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EAGAIN) => {
                poll_one(sock, libc::POLLIN, timeout_ms)?;
                continue;
            }
            _ => return Err(e),
        }
    };
    buf.truncate(n);
    let mut fds = Vec::new();
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(cmsg);
                let len = (*cmsg).cmsg_len - libc::CMSG_LEN(0) as usize;
                for i in 0..len / std::mem::size_of::<RawFd>() {
                    let mut fd: RawFd = 0;
                    std::ptr::copy_nonoverlapping(
                        data.add(i * 4),
                        &mut fd as *mut RawFd as *mut u8,
                        4,
                    );
                    fds.push(fd);
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & libc::MSG_TRUNC != 0 {
        for &fd in &fds {
            close(fd);
        }
        return Err(io::Error::from_raw_os_error(libc::EMSGSIZE));
    }
    Ok((buf, fds))
}

/// struct open_how (openat2(2)).
#[repr(C)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}

pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
pub const RESOLVE_IN_ROOT: u64 = 0x10;

/// openat2(2) retried on EAGAIN/EINTR (the kernel returns EAGAIN when a
/// rename raced the RESOLVE_IN_ROOT walk).
pub fn openat2(
    dirfd: RawFd,
    path: &std::ffi::CStr,
    flags: i32,
    mode: u32,
    resolve: u64,
) -> io::Result<RawFd> {
    let how = OpenHow {
        flags: (flags | libc::O_CLOEXEC) as u64,
        mode: mode as u64,
        resolve,
    };
    for _ in 0..64 {
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dirfd,
                path.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        if r >= 0 {
            return Ok(r as RawFd);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => continue,
            _ => return Err(e),
        }
    }
    Err(io::Error::from_raw_os_error(libc::EAGAIN))
}

/// close_range(2) flag: mark the range close-on-exec instead of closing.
pub const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

pub fn close_range(first: u32, last: u32, flags: u32) -> io::Result<()> {
    let r = unsafe { libc::syscall(libc::SYS_close_range, first, last, flags) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
