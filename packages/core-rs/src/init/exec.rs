//! args[0] looked up in the container's PATH (process.env), as runc does
//! with exec.LookPath before it reports "ready", so a missing binary fails
//! `create` rather than `start`.

use super::cstr;
use super::error::{InitError, Result};
use std::ffi::CString;
use std::io;

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn executable(path: &str) -> bool {
  let c = cstr(path);
  let mut st: libc::stat = unsafe { std::mem::zeroed() };
  unsafe { libc::stat(c.as_ptr(), &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFREG && libc::access(c.as_ptr(), libc::X_OK) == 0 }
}

pub fn lookup(args: &[String], env: &[String]) -> Result<CString> {
  let Some(name) = args.first().filter(|a| !a.is_empty()) else {
    return Err(InitError::new("exec-lookup", "process.args is empty"));
  };
  if name.contains('/') {
    if !executable(name) {
      let e = io::Error::last_os_error();
      return Err(InitError::os("exec-lookup", &e, format!("exec {name:?}")));
    }
    return Ok(cstr(name));
  }
  let path = env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap_or(DEFAULT_PATH);
  for dir in path.split(':') {
    let dir = if dir.is_empty() { "." } else { dir };
    let cand = format!("{dir}/{name}");
    if executable(&cand) {
      return Ok(cstr(&cand));
    }
  }
  Err(InitError { step: "exec-lookup", errno: libc::ENOENT, message: format!("exec: {name:?}: executable file not found in $PATH") })
}

pub fn exec(path: &CString, args: &[String], env: &[String]) -> InitError {
  let args: Vec<CString> = args.iter().map(|a| cstr(a)).collect();
  let env: Vec<CString> = env.iter().map(|a| cstr(a)).collect();
  let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
  argv.push(std::ptr::null());
  let mut envp: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
  envp.push(std::ptr::null());
  unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
  InitError::os("exec", &io::Error::last_os_error(), format!("execve {}", path.to_string_lossy()))
}
