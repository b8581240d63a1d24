//! File descriptors: close, socketpair, passing fds with SCM_RIGHTS.

use crate::jserr;
use crate::sys::{self, Received};
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

/// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): two connected, blocking fds.
#[napi(ts_return_type = "[number, number]")]
pub fn socketpair(env: Env) -> napi::Result<Vec<i32>> {
  let mut fds = [0; 2];
  if unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) } < 0 {
    return Err(jserr::last(&env, "socketpair"));
  }
  Ok(fds.to_vec())
}

/// Send `fd` over the unix socket `socketFd` (SCM_RIGHTS, unix(7)) with
/// `data` as the message (one NUL byte when absent). Works on a Node
/// net.Socket's non-blocking fd too (waits until writable).
#[napi]
pub fn send_fd(env: Env, socket_fd: i32, fd: i32, data: Option<String>) -> napi::Result<()> {
  sys::send_fd(socket_fd, fd, data.as_deref().unwrap_or("").as_bytes()).map_err(|e| jserr::os(&env, "sendmsg(SCM_RIGHTS)", &e))
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
    Ok(Received::Fd(fd, data)) => Ok(ReceivedFd { fd, data: String::from_utf8_lossy(&data).into_owned() }),
    Ok(Received::NoFd(_)) => Err(jserr::error(&env, "ENOFD", None, "recvmsg: the message carried no file descriptor")),
    Ok(Received::Eof) => Err(jserr::error(&env, "EOF", None, "recvmsg: end of stream before a file descriptor arrived")),
    Err(e) => Err(jserr::os(&env, "recvmsg(SCM_RIGHTS)", &e)),
  }
}

/// mkfifo(3) with exactly `mode` (chmod(2) after, so the umask does not
/// apply): `create` makes exec.fifo 0622 as runc does, without spawning
/// coreutils' mkfifo (about 9 ms per create).
#[napi]
pub fn mkfifo(env: Env, path: String, mode: u32) -> napi::Result<()> {
  let c = std::ffi::CString::new(path.as_bytes()).map_err(|_| jserr::error(&env, "EINVAL", Some(libc::EINVAL), &format!("mkfifo({path}): a NUL byte in the path")))?;
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
