//! createContainer / startContainer hooks run by the executor itself
//! (runtime-spec config.md#posix-platform-hooks): the state JSON on stdin,
//! `args` as argv (args[0] is argv[0]), `env` as the environment, killed
//! after `timeout` seconds. A hook that fails fails the operation.

use super::cstr;
use super::error::{InitError, Result};
use super::program::HookOp;
use std::ffi::CString;
use std::io;

fn os(what: String) -> io::Error {
    let e = io::Error::last_os_error();
    io::Error::new(e.kind(), format!("{what}: {e}"))
}

fn run_one(h: &HookOp, state: &str) -> io::Result<()> {
    let path = cstr(&h.path);
    let args: Vec<CString> = if h.args.is_empty() {
        vec![path.clone()]
    } else {
        h.args.iter().map(|a| cstr(a)).collect()
    };
    let env: Vec<CString> = h.env.iter().map(|e| cstr(e)).collect();
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = env.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    let mut pipe = [0; 2];
    if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(os("pipe".into()));
    }
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(os("fork".into()));
    }
    if pid == 0 {
        // Child (the executor is single-threaded, so fork is safe here).
        unsafe {
            libc::dup2(pipe[0], 0);
            libc::execve(path.as_ptr(), argv.as_ptr(), envp.as_ptr());
            libc::_exit(127);
        }
    }
    unsafe { libc::close(pipe[0]) };
    // The hook may not read its stdin: ignore EPIPE (we never get SIGPIPE:
    // the write below uses a pipe whose read end may be closed, so block it).
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        libc::write(pipe[1], state.as_ptr() as *const _, state.len());
        libc::close(pipe[1]);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if let Some(t) = h.timeout.filter(|&t| t > 0) {
        if pidfd >= 0
            && !crate::sys::poll_one(pidfd, libc::POLLIN, (t * 1000).min(i32::MAX as u64) as i32)?
        {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            let mut st = 0;
            unsafe { libc::waitpid(pid, &mut st, 0) };
            unsafe { libc::close(pidfd) };
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("hook {} timed out after {t}s", h.path),
            ));
        }
    }
    if pidfd >= 0 {
        unsafe { libc::close(pidfd) };
    }
    let mut st = 0;
    crate::sys::cvt_retry(|| unsafe { libc::waitpid(pid, &mut st, 0) })?;
    if libc::WIFEXITED(st) && libc::WEXITSTATUS(st) == 0 {
        return Ok(());
    }
    let how = if libc::WIFEXITED(st) {
        format!("exited with status {}", libc::WEXITSTATUS(st))
    } else {
        format!("was killed by signal {}", libc::WTERMSIG(st))
    };
    Err(io::Error::other(format!("hook {} {how}", h.path)))
}

pub fn run(step: &'static str, hooks: &[HookOp], state: &str) -> Result<()> {
    for h in hooks {
        run_one(h, state).map_err(|e| InitError {
            step,
            errno: e.raw_os_error().unwrap_or(0),
            message: e.to_string(),
        })?;
    }
    Ok(())
}
