#![deny(clippy::all)]
//! @oci/core: raw Linux system calls for oci-ts that Node cannot make itself.

use napi_derive::napi;

/// pidfd_open(2): a file descriptor that refers to process `pid`.
#[napi]
pub fn pidfd_open(pid: i32) -> napi::Result<i32> {
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return Err(napi::Error::new(napi::Status::GenericFailure, format!("pidfd_open: {e}")));
    }
    Ok(fd as i32)
}

pub mod bpf;
