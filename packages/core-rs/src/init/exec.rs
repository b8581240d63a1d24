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
    // execve(2) strings end at the first NUL: "a\0b" must not run as "a" (or
    // as "ab", which cstr() would make of it). runc refuses it too.
    if let Some(i) = args.iter().position(|a| a.contains('\0')) {
        return Err(InitError {
            step: "exec-lookup",
            errno: libc::EINVAL,
            message: format!("process.args[{i}] contains a NUL byte"),
        });
    }
    if name.contains('/') {
        return match executable(name) {
            Ok(()) => Ok(cstr(name)),
            Err((errno, text)) => Err(InitError {
                step: "exec-lookup",
                errno,
                message: format!("exec: {name:?}: {text}"),
            }),
        };
    }
    let path = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    for dir in path.split(':') {
        let dir = if dir.is_empty() { "." } else { dir };
        let cand = format!("{dir}/{name}");
        if executable(&cand).is_ok() {
            return Ok(cstr(&cand));
        }
    }
    Err(InitError {
        step: "exec-lookup",
        errno: libc::ENOENT,
        message: format!("exec: {name:?}: executable file not found in $PATH"),
    })
}

pub fn exec(path: &CString, args: &[String], env: &[String]) -> InitError {
    let args: Vec<CString> = args.iter().map(|a| cstr(a)).collect();
    let env: Vec<CString> = env.iter().map(|a| cstr(a)).collect();
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    unsafe { libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr()) };
    InitError::os(
        "exec",
        &io::Error::last_os_error(),
        format!("execve {}", path.to_string_lossy()),
    )
}

/// The environment with HOME set when it is missing or empty, as runc does
/// (libcontainer/init_linux.go setupUser): the home of `uid` in the
/// container's /etc/passwd, "/" when the file or the entry is missing.
pub fn with_home(env: &[String], uid: u32) -> Vec<String> {
    if env
        .iter()
        .any(|e| e.strip_prefix("HOME=").is_some_and(|v| !v.is_empty()))
    {
        return env.to_vec();
    }
    let home = passwd_home(uid).unwrap_or_else(|| "/".to_string());
    let mut out: Vec<String> = env
        .iter()
        .filter(|e| !e.starts_with("HOME="))
        .cloned()
        .collect();
    out.push(format!("HOME={home}"));
    out
}

/// The image's /etc/passwd, read as every file the runtime reads: without
/// blocking (a FIFO there must not hang the init), regular files only, and
/// bounded.
fn passwd_home(uid: u32) -> Option<String> {
    const MAX: usize = 4 << 20;
    let fd = unsafe {
        libc::open(
            c"/etc/passwd".as_ptr(),
            libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return None;
    }
    let fd = super::rootfs::Fd(fd);
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd.0, &mut st) } < 0 || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    let mut buf = vec![0u8; MAX];
    let mut len = 0;
    while len < MAX {
        let n = unsafe {
            libc::read(
                fd.0,
                buf[len..].as_mut_ptr() as *mut libc::c_void,
                MAX - len,
            )
        };
        if n <= 0 {
            break;
        }
        len += n as usize;
    }
    let text = String::from_utf8_lossy(&buf[..len]);
    text.lines()
        .find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() >= 6 && f[2].parse::<u32>().ok() == Some(uid)).then(|| f[5].to_string())
        })
        .filter(|h| !h.is_empty())
}
