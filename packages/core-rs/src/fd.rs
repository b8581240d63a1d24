//! File descriptors: close, socketpair, passing fds with SCM_RIGHTS.

use crate::jserr;
use crate::sys::{self, Received};
use napi::bindgen_prelude::Buffer;
use napi::Env;
use napi_derive::napi;

/// close(2).
#[napi]
pub fn close(env: Env, fd: i32) -> napi::Result<()> {
    if unsafe { libc::close(fd) } < 0 {
        return Err(jserr::last(&env, &format!("close({fd})")));
    }
    Ok(())
}

/// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected, blocking
/// fds. `seqpacket`: SOCK_SEQPACKET instead, whose reads return whole
/// records (CRIU's `criu swrk` RPC needs that: one protobuf per record).
#[napi(ts_return_type = "[number, number]")]
pub fn socketpair(env: Env, seqpacket: Option<bool>) -> napi::Result<Vec<i32>> {
    let mut fds = [0; 2];
    let kind = if seqpacket.unwrap_or(false) {
        libc::SOCK_SEQPACKET
    } else {
        libc::SOCK_STREAM
    };
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            kind | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    } < 0
    {
        return Err(jserr::last(&env, "socketpair"));
    }
    Ok(fds.to_vec())
}

/// Send `fd` over the unix socket `socketFd` (SCM_RIGHTS, unix(7)) with
/// `data` as the message (one NUL byte when absent). Works on a Node
/// net.Socket's non-blocking fd too (waits until writable).
#[napi]
pub fn send_fd(env: Env, socket_fd: i32, fd: i32, data: Option<String>) -> napi::Result<()> {
    sys::send_fd(socket_fd, fd, data.as_deref().unwrap_or("").as_bytes())
        .map_err(|e| jserr::os(&env, "sendmsg(SCM_RIGHTS)", &e))
}

#[napi(object)]
pub struct ReceivedFd {
    /// The received fd (O_CLOEXEC).
    pub fd: i32,
    /// The message that carried it (UTF-8, lossy).
    pub data: String,
}

/// Receive one fd sent with SCM_RIGHTS (blocking until a message arrives,
/// or `timeoutMs`). Codes: 'EOF' at end of stream, 'ENOFD' when the message
/// carried no fd, 'ETIMEDOUT'.
#[napi]
pub fn recv_fd(env: Env, socket_fd: i32, timeout_ms: Option<i32>) -> napi::Result<ReceivedFd> {
    match sys::recv_fd(socket_fd, timeout_ms.unwrap_or(-1)) {
        Ok(Received::Fd(fd, data)) => Ok(ReceivedFd {
            fd,
            data: String::from_utf8_lossy(&data).into_owned(),
        }),
        Ok(Received::NoFd(_)) => Err(jserr::error(
            &env,
            "ENOFD",
            None,
            "recvmsg: the message carried no file descriptor",
        )),
        Ok(Received::Eof) => Err(jserr::error(
            &env,
            "EOF",
            None,
            "recvmsg: end of stream before a file descriptor arrived",
        )),
        Err(e) => Err(jserr::os(&env, "recvmsg(SCM_RIGHTS)", &e)),
    }
}

#[napi(object)]
pub struct ReceivedMsg {
    /// The bytes of the message (one record on a SOCK_SEQPACKET socket); empty at end of stream.
    pub data: napi::bindgen_prelude::Buffer,
    /// Every fd it carried (SCM_RIGHTS, O_CLOEXEC); the caller closes them.
    pub fds: Vec<i32>,
}

/// One recvmsg(2) of at most `maxLen` bytes with the fds it carries, blocking
/// until a message arrives or `timeoutMs`. Codes: 'EMSGSIZE' when the record
/// was longer than `maxLen` (its fds are closed), 'ETIMEDOUT'.
#[napi]
pub fn recv_msg(
    env: Env,
    socket_fd: i32,
    max_len: u32,
    timeout_ms: Option<i32>,
) -> napi::Result<ReceivedMsg> {
    match sys::recv_msg(socket_fd, max_len as usize, timeout_ms.unwrap_or(-1)) {
        Ok((data, fds)) => Ok(ReceivedMsg {
            data: data.into(),
            fds,
        }),
        Err(e) => Err(jserr::os(&env, "recvmsg", &e)),
    }
}

/// mount(2) `source` on `target` with MS_BIND | MS_REC (a recursive bind
/// mount), for CRIU's restore root: CRIU needs the root it restores into to
/// be a mount point whose parent is not overmounted, as runc arranges it.
#[napi]
pub fn bind_mount(env: Env, source: String, target: String) -> napi::Result<()> {
    let bad = |p: &str| {
        jserr::error(
            &env,
            "EINVAL",
            Some(libc::EINVAL),
            &format!("mount({p}): a NUL byte in the path"),
        )
    };
    let s = std::ffi::CString::new(source.as_bytes()).map_err(|_| bad(&source))?;
    let t = std::ffi::CString::new(target.as_bytes()).map_err(|_| bad(&target))?;
    if unsafe {
        libc::mount(
            s.as_ptr(),
            t.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        )
    } < 0
    {
        return Err(jserr::last(
            &env,
            &format!("mount({source}, {target}, MS_BIND|MS_REC)"),
        ));
    }
    Ok(())
}

/// umount2(2) with MNT_DETACH (a lazy unmount).
#[napi]
pub fn unmount_detach(env: Env, target: String) -> napi::Result<()> {
    let t = std::ffi::CString::new(target.as_bytes()).map_err(|_| {
        jserr::error(
            &env,
            "EINVAL",
            Some(libc::EINVAL),
            &format!("umount2({target}): a NUL byte in the path"),
        )
    })?;
    if unsafe { libc::umount2(t.as_ptr(), libc::MNT_DETACH) } < 0 {
        return Err(jserr::last(&env, &format!("umount2({target}, MNT_DETACH)")));
    }
    Ok(())
}

/// mkfifo(3) with exactly `mode` (chmod(2) after, so the umask does not
/// apply): `create` makes exec.fifo 0622 as runc does, without spawning
/// coreutils' mkfifo (about 9 ms per create).
#[napi]
pub fn mkfifo(env: Env, path: String, mode: u32) -> napi::Result<()> {
    let c = std::ffi::CString::new(path.as_bytes()).map_err(|_| {
        jserr::error(
            &env,
            "EINVAL",
            Some(libc::EINVAL),
            &format!("mkfifo({path}): a NUL byte in the path"),
        )
    })?;
    if unsafe { libc::mkfifo(c.as_ptr(), mode as libc::mode_t) } < 0 {
        return Err(jserr::last(&env, &format!("mkfifo({path})")));
    }
    if unsafe { libc::chmod(c.as_ptr(), mode as libc::mode_t) } < 0 {
        let e = jserr::last(&env, &format!("chmod({path})"));
        unsafe { libc::unlink(c.as_ptr()) };
        return Err(e);
    }
    Ok(())
}

#[napi(object)]
pub struct PeerCred {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
}

/// The credentials of the process at the other end of a connected unix
/// socket (unix(7) SO_PEERCRED, taken at connect(2)): the planner serves
/// only its own uid.
#[napi]
pub fn peer_cred(env: Env, socket_fd: i32) -> napi::Result<PeerCred> {
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    if unsafe {
        libc::getsockopt(
            socket_fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut _ as *mut _,
            &mut len,
        )
    } < 0
    {
        return Err(jserr::last(&env, "getsockopt(SO_PEERCRED)"));
    }
    Ok(PeerCred {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
    })
}

#[napi(object)]
pub struct ReceivedFds {
    pub data: Buffer,
    /// The fds the message carried (O_CLOEXEC), in order.
    pub fds: Vec<i32>,
}

/// One recvmsg(2) of at most `maxBytes` without waiting (MSG_DONTWAIT), with
/// up to `maxFds` SCM_RIGHTS fds (O_CLOEXEC). Returns null when nothing is
/// there yet (EAGAIN); an empty `data` at end of stream. On a stream socket
/// the kernel stops a read at the message that carried fds, so a peer that
/// sends a short header with its fds and then the rest gets the header alone.
/// More fds than `maxFds` (MSG_CTRUNC): all are closed and it fails.
#[napi]
pub fn recv_fds(
    env: Env,
    socket_fd: i32,
    max_bytes: u32,
    max_fds: u32,
) -> napi::Result<Option<ReceivedFds>> {
    let mut buf = vec![0u8; max_bytes.max(1) as usize];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr() as *mut _,
        iov_len: buf.len(),
    };
    let space =
        unsafe { libc::CMSG_SPACE(max_fds.max(1) * std::mem::size_of::<i32>() as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr() as *mut _;
    msg.msg_controllen = space;
    let n = loop {
        let n = unsafe {
            libc::recvmsg(
                socket_fd,
                &mut msg,
                libc::MSG_CMSG_CLOEXEC | libc::MSG_DONTWAIT,
            )
        };
        if n >= 0 {
            break n as usize;
        }
        match crate::sys::last_errno() {
            libc::EINTR => continue,
            libc::EAGAIN => return Ok(None),
            _ => return Err(jserr::last(&env, "recvmsg")),
        }
    };
    let mut fds = Vec::new();
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let count =
                    ((*cmsg).cmsg_len - libc::CMSG_LEN(0) as usize) / std::mem::size_of::<i32>();
                let data = libc::CMSG_DATA(cmsg) as *const i32;
                for i in 0..count {
                    fds.push(std::ptr::read_unaligned(data.add(i)));
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    if msg.msg_flags & libc::MSG_CTRUNC != 0 {
        for fd in fds {
            unsafe { libc::close(fd) };
        }
        return Err(jserr::error(
            &env,
            "EMSGSIZE",
            Some(libc::EMSGSIZE),
            "recvmsg: more file descriptors than expected",
        ));
    }
    buf.truncate(n);
    Ok(Some(ReceivedFds {
        data: buf.into(),
        fds,
    }))
}

/// flock(2) LOCK_EX|LOCK_NB (or LOCK_SH with `shared`): true when taken,
/// false when another open file description holds a conflicting lock. The
/// kernel drops the lock when the last fd of that description is closed,
/// including when its holder is killed, so a lock can never outlive the
/// command that took it (no pid files, no staleness guesses).
#[napi]
pub fn try_flock(env: Env, fd: i32, shared: Option<bool>) -> napi::Result<bool> {
    let op = if shared.unwrap_or(false) {
        libc::LOCK_SH
    } else {
        libc::LOCK_EX
    };
    match sys::cvt_retry(|| unsafe { libc::flock(fd, op | libc::LOCK_NB) }) {
        Ok(_) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(false),
        Err(e) => Err(jserr::os(&env, &format!("flock({fd})"), &e)),
    }
}
