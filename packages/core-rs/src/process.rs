//! Processes: pidfds, signals, waiting, the child subreaper bit.

use crate::jserr;
use napi::bindgen_prelude::{Either, Null, Object};
use napi::Env;
use napi_derive::napi;

/// pidfd_open(2): a file descriptor that refers to process `pid` (O_CLOEXEC).
#[napi]
pub fn pidfd_open(env: Env, pid: i32) -> napi::Result<i32> {
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        return Err(jserr::last(&env, &format!("pidfd_open({pid})")));
    }
    Ok(fd as i32)
}

/// pidfd_send_signal(2): signal the process behind `pidfd` (no pid reuse race).
#[napi]
pub fn pidfd_send_signal(env: Env, pidfd: i32, sig: i32) -> napi::Result<()> {
    let r = unsafe {
        libc::syscall(
            libc::SYS_pidfd_send_signal,
            pidfd,
            sig,
            std::ptr::null::<libc::siginfo_t>(),
            0,
        )
    };
    if r < 0 {
        return Err(jserr::last(
            &env,
            &format!("pidfd_send_signal({pidfd}, {sig})"),
        ));
    }
    Ok(())
}

/// kill(2); `sig` 0 only checks that the process exists.
#[napi]
pub fn kill(env: Env, pid: i32, sig: i32) -> napi::Result<()> {
    if unsafe { libc::kill(pid, sig) } < 0 {
        return Err(jserr::last(&env, &format!("kill({pid}, {sig})")));
    }
    Ok(())
}

/// prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants (the container init
/// after the executor's stage 1 exits) are re-parented to this process, so
/// `waitPid` can reap them.
#[napi]
pub fn set_child_subreaper(env: Env, on: bool) -> napi::Result<()> {
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, on as libc::c_ulong, 0, 0, 0) } < 0 {
        return Err(jserr::last(&env, "prctl(PR_SET_CHILD_SUBREAPER)"));
    }
    Ok(())
}

#[napi(object)]
pub struct ExitStatus {
    /// The exit status when the process exited, else null.
    pub exit_code: Either<i32, Null>,
    /// The signal that killed the process, else null.
    pub signal: Either<i32, Null>,
}

/// waitpid(2) for a child (or, with setChildSubreaper, an orphaned
/// descendant) on a thread of its own: the JS thread never blocks, and a
/// long wait (a foreground `run`) does not hold one of libuv's four
/// threadpool threads that fs and dns need. Rejects with code 'ECHILD' when
/// `pid` is not ours to wait for.
#[napi(ts_return_type = "Promise<ExitStatus>")]
pub fn wait_pid(env: &Env, pid: i32) -> napi::Result<Object<'_>> {
    let (deferred, promise) = env.create_deferred()?;
    std::thread::Builder::new()
        .name(format!("waitpid-{pid}"))
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut status = 0;
            let out = loop {
                if unsafe { libc::waitpid(pid, &mut status, 0) } >= 0 {
                    break Ok(status);
                }
                let errno = crate::sys::last_errno();
                if errno != libc::EINTR {
                    break Err(errno);
                }
            };
            deferred.resolve(move |env| match out {
                Ok(st) if libc::WIFEXITED(st) => Ok(ExitStatus {
                    exit_code: Either::A(libc::WEXITSTATUS(st)),
                    signal: Either::B(Null),
                }),
                Ok(st) => Ok(ExitStatus {
                    exit_code: Either::B(Null),
                    signal: Either::A(libc::WTERMSIG(st)),
                }),
                Err(errno) => Err(jserr::os(
                    &env,
                    &format!("waitpid({pid})"),
                    &std::io::Error::from_raw_os_error(errno),
                )),
            });
        })
        .map_err(|e| jserr::os(env, "spawn a waitpid thread", &e))?;
    Ok(promise)
}
