//! Load the classic BPF compiled by @oci/seccomp (seccomp(2)
//! SECCOMP_SET_MODE_FILTER). The executor only moves bytes: it does not know
//! the profile.

use super::error::{InitError, Result};
use super::program::SeccompOp;
use std::io;

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

pub fn load(op: &SeccompOp) -> Result<()> {
  let bpf = b64(&op.bpf).ok_or_else(|| InitError::new("seccomp", "seccomp.bpf is not base64"))?;
  if bpf.is_empty() || bpf.len() % 8 != 0 || bpf.len() / 8 > u16::MAX as usize {
    return Err(InitError::new("seccomp", format!("seccomp.bpf has {} bytes: not a whole number of instructions", bpf.len())));
  }
  if op.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
    return Err(InitError::new("seccomp", "SCMP_ACT_NOTIFY (a seccomp listener) is not supported by this executor yet"));
  }
  let prog = SockFprog { len: (bpf.len() / 8) as u16, filter: bpf.as_ptr() };
  if unsafe { libc::syscall(libc::SYS_seccomp, SECCOMP_SET_MODE_FILTER, op.flags, &prog as *const SockFprog) } < 0 {
    return Err(InitError::os("seccomp", &io::Error::last_os_error(), "load the filter"));
  }
  Ok(())
}
