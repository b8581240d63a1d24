//! Load the classic BPF compiled by @oci/seccomp (seccomp(2)
//! SECCOMP_SET_MODE_FILTER). The executor only moves bytes: it does not know
//! the profile.

use super::error::{InitError, Result};
use super::program::SeccompOp;
use std::io;
use std::os::fd::RawFd;

const SECCOMP_SET_MODE_FILTER: u32 = 1;
const SECCOMP_FILTER_FLAG_NEW_LISTENER: u32 = 1 << 3;

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const u8,
}

fn b64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// Connect to linux.seccomp.listenerPath while the host path still resolves.
pub fn connect_listener(op: &SeccompOp) -> Result<Option<RawFd>> {
    let Some(path) = op
        .listener_path
        .as_deref()
        .filter(|_| op.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0)
    else {
        return Ok(None);
    };
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(InitError::os(
            "seccomp",
            &io::Error::last_os_error(),
            "socket",
        ));
    }
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    if path.len() >= addr.sun_path.len() {
        return Err(InitError::new(
            "seccomp",
            format!("listenerPath {path} is too long for a unix socket"),
        ));
    }
    for (i, b) in path.bytes().enumerate() {
        addr.sun_path[i] = b as libc::c_char;
    }
    let len = (std::mem::size_of::<libc::sa_family_t>() + path.len() + 1) as libc::socklen_t;
    if unsafe {
        libc::connect(
            fd,
            &addr as *const libc::sockaddr_un as *const libc::sockaddr,
            len,
        )
    } < 0
    {
        return Err(InitError::os("seccomp", &io::Error::last_os_error(), format!("failed to connect with seccomp agent specified in the seccomp profile: dial unix {path}")));
    }
    Ok(Some(fd))
}

/// Load the filter; with a listener, send its fd to the agent with the
/// container process state (runtime-spec config-linux.md#seccomp, runc's
/// ContainerProcessState): `pid` is the process the filter is for (the
/// parent's processPid: on exec, the new process, not the container's init).
pub fn load(
    op: &SeccompOp,
    agent: Option<RawFd>,
    state: &str,
    process_pid: Option<i64>,
) -> Result<()> {
    let bpf = b64(&op.bpf).ok_or_else(|| InitError::new("seccomp", "seccomp.bpf is not base64"))?;
    if bpf.is_empty() || bpf.len() % 8 != 0 || bpf.len() / 8 > u16::MAX as usize {
        return Err(InitError::new(
            "seccomp",
            format!(
                "seccomp.bpf has {} bytes: not a whole number of instructions",
                bpf.len()
            ),
        ));
    }
    let listener = op.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0;
    if listener && agent.is_none() {
        return Err(InitError::new(
            "seccomp",
            "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath",
        ));
    }
    let prog = SockFprog {
        len: (bpf.len() / 8) as u16,
        filter: bpf.as_ptr(),
    };
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER,
            op.flags,
            &prog as *const SockFprog,
        )
    };
    if r < 0 {
        return Err(InitError::os(
            "seccomp",
            &io::Error::last_os_error(),
            "load the filter",
        ));
    }
    if let (true, Some(sock)) = (listener, agent) {
        let fd = r as RawFd;
        let state: serde_json::Value =
            serde_json::from_str(state).unwrap_or(serde_json::Value::Null);
        let msg = serde_json::json!({
          "ociVersion": state.get("ociVersion").cloned().unwrap_or(serde_json::Value::from("1.2.0")),
          "fds": ["seccompFd"],
          "pid": process_pid.map(serde_json::Value::from).or_else(|| state.get("pid").cloned()).unwrap_or(serde_json::Value::from(0)),
          "metadata": op.listener_metadata.clone().unwrap_or_default(),
          "state": state,
        });
        let bytes = serde_json::to_vec(&msg).unwrap_or_default();
        crate::sys::send_fd(sock, fd, &bytes)
            .map_err(|e| InitError::os("seccomp", &e, "send the listener fd to listenerPath"))?;
        unsafe {
            libc::close(fd);
            libc::close(sock);
        }
    }
    Ok(())
}
