//! args[0] looked up in the container's PATH (process.env), as runc does
//! with exec.LookPath before it reports "ready", so a missing binary fails
//! `create` rather than `start`.

use super::cstr;
use super::error::{InitError, Result};
use std::ffi::CString;
use std::io;

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Go's exec.LookPath check (runc calls it before "ready"): Ok when `path`
/// is a regular file with an execute bit, else the error's text in Go's
/// words, which callers of runc match.
fn executable(path: &str) -> std::result::Result<(), (i32, String)> {
  let c = cstr(path);
  let mut st: libc::stat = unsafe { std::mem::zeroed() };
  if unsafe { libc::stat(c.as_ptr(), &mut st) } < 0 {
    let e = io::Error::last_os_error();
    let errno = e.raw_os_error().unwrap_or(libc::ENOENT);
    return Err((errno, format!("stat {path}: {}", go_errno_text(errno))));
  }
  if (st.st_mode & libc::S_IFMT) != libc::S_IFDIR && st.st_mode & 0o111 != 0 {
    return Ok(());
  }
  Err((libc::EACCES, "permission denied".into()))
}

/// strerror(3) as Go's syscall.Errno prints it (lower case).
fn go_errno_text(errno: i32) -> String {
  let s = io::Error::from_raw_os_error(errno).to_string();
  let s = s.split(" (os error").next().unwrap_or(&s);
  let mut c = s.chars();
  match c.next() {
    Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
    None => s.to_string(),
  }
}

pub fn lookup(args: &[String], env: &[String]) -> Result<CString> {
  let Some(name) = args.first().filter(|a| !a.is_empty()) else {
    return Err(InitError::new("exec-lookup", "process.args is empty"));
  };
  if name.contains('/') {
    return match executable(name) {
      Ok(()) => Ok(cstr(name)),
      Err((errno, text)) => Err(InitError { step: "exec-lookup", errno, message: format!("exec: {name:?}: {text}") }),
    };
  }
  let path = env.iter().find_map(|e| e.strip_prefix("PATH=")).unwrap_or(DEFAULT_PATH);
  for dir in path.split(':') {
    let dir = if dir.is_empty() { "." } else { dir };
    let cand = format!("{dir}/{name}");
    if executable(&cand).is_ok() {
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
