//! spawnInit: start the `oci-ts-init` executor (docs/init-program.md).
//!
//! Node is multi-threaded, so between clone and exec the child may only make
//! async-signal-safe calls (signal-safety(7)): everything (argv, fd copies,
//! the memfd) is prepared before clone, the child runs on its own stack with
//! CLONE_VM|CLONE_VFORK (as posix_spawn does) and only calls dup3 and
//! execveat. All signals are blocked around the clone so no Node handler runs
//! on the child's side of the shared memory; the executor resets them.
//!
//! CVE-2019-5736: the executable is copied once into a sealed memfd and
//! executed from there, so /proc/<init>/exe is never a writable host file.

use crate::jserr;
use napi::Env;
use napi_derive::napi;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::sync::Mutex;

#[napi(object)]
pub struct SpawnInitOptions {
    /// The InitProgram as JSON (program.d.ts).
    pub program: String,
    /// Become the executor's fds 0, 1, 2.
    pub stdio: Vec<i32>,
    /// Become fds 3, 4, ... in order (--preserve-fds).
    pub preserve_fds: Option<Vec<i32>>,
    /// A connected unix socket: the pty master is sent there (process.terminal).
    pub console_socket_fd: Option<i32>,
    /// The executor to run; default: `oci-ts-init` next to the .node file.
    pub init_path: Option<String>,
}

#[napi(object)]
pub struct SpawnedInit {
    /// Host pid of the process spawned (stage 1; see docs/init-program.md for
    /// when the container init is a different, forked pid).
    pub pid: i32,
    /// Parent end of the sync socket (blocking, O_CLOEXEC).
    pub sync_fd: i32,
}

/// The directory of this .node file (dladdr(3) on one of our functions).
fn addon_dir() -> Option<std::path::PathBuf> {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    if unsafe { libc::dladdr(addon_dir as *const libc::c_void, &mut info) } == 0
        || info.dli_fname.is_null()
    {
        return None;
    }
    let path = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) }
        .to_string_lossy()
        .into_owned();
    std::path::Path::new(&path)
        .parent()
        .map(|p| p.to_path_buf())
}

/// Where spawnInit looks for the executor by default.
#[napi]
pub fn init_path() -> String {
    addon_dir()
        .map(|d| d.join("oci-ts-init").to_string_lossy().into_owned())
        .unwrap_or_else(|| "oci-ts-init".into())
}

static SEALED: Mutex<Option<(String, RawFd)>> = Mutex::new(None);

const MFD_EXEC: libc::c_uint = 0x10;

fn memfd(name: &std::ffi::CStr, flags: libc::c_uint) -> io::Result<RawFd> {
    let fd = unsafe { libc::memfd_create(name.as_ptr(), flags | MFD_EXEC) };
    if fd >= 0 {
        return Ok(fd);
    }
    // Kernels before 6.3 do not know MFD_EXEC.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

/// The sealed copy of the executor, made once per process.
fn sealed_exe(path: &str) -> Result<RawFd, (String, io::Error)> {
    let mut cache = SEALED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((p, fd)) = cache.as_ref() {
        if p == path {
            return Ok(*fd);
        }
    }
    let mut src = std::fs::File::open(path).map_err(|e| (format!("open {path}"), e))?;
    let fd = memfd(c"oci-ts-init", libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING)
        .map_err(|e| ("memfd_create".to_string(), e))?;
    let mut dst = unsafe { std::fs::File::from_raw_fd(fd) };
    if let Err(e) = io::copy(&mut src, &mut dst) {
        return Err((format!("copy {path} into a memfd"), e));
    }
    let seals = libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;
    if unsafe { libc::fcntl(dst.as_raw_fd(), libc::F_ADD_SEALS, seals) } < 0 {
        return Err(("seal the memfd".to_string(), io::Error::last_os_error()));
    }
    let fd = std::os::fd::IntoRawFd::into_raw_fd(dst);
    if let Some((_, old)) = cache.replace((path.to_string(), fd)) {
        unsafe { libc::close(old) };
    }
    Ok(fd)
}

struct ChildArgs {
    fds: *const RawFd,
    count: usize,
    exe: RawFd,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    errno: i32,
}

/// Runs in the child on its own stack, sharing the parent's memory until
/// execveat: raw system calls only.
extern "C" fn child(arg: *mut libc::c_void) -> libc::c_int {
    unsafe {
        let a = &mut *(arg as *mut ChildArgs);
        for i in 0..a.count {
            // Sources were copied above every target, so no dup3 clobbers a
            // source still to be moved (and never sees oldfd == newfd, its
            // EINVAL); without O_CLOEXEC in flags the target is inherited.
            if libc::syscall(libc::SYS_dup3, *a.fds.add(i), i as libc::c_long, 0) < 0 {
                a.errno = *libc::__errno_location();
                libc::syscall(libc::SYS_exit, 127);
            }
        }
        libc::syscall(
            libc::SYS_execveat,
            a.exe,
            c"".as_ptr(),
            a.argv,
            a.envp,
            libc::AT_EMPTY_PATH,
        );
        a.errno = *libc::__errno_location();
        libc::syscall(libc::SYS_exit, 127);
        127
    }
}

/// Start the init executor with `program` (docs/init-program.md). Returns
/// the spawned pid and the parent end of the sync socket.
#[napi]
pub fn spawn_init(env: Env, opts: SpawnInitOptions) -> napi::Result<SpawnedInit> {
    if opts.stdio.len() != 3 {
        return Err(jserr::error(
            &env,
            "EINVAL",
            None,
            "spawnInit: stdio must be three fds",
        ));
    }
    let path = opts.init_path.clone().unwrap_or_else(init_path);
    let exe = sealed_exe(&path)
        .map_err(|(what, e)| jserr::os(&env, &format!("spawnInit: {what}"), &e))?;

    let mut pair = [0; 2];
    if unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            pair.as_mut_ptr(),
        )
    } < 0
    {
        return Err(jserr::last(&env, "spawnInit: socketpair"));
    }
    let (parent_sock, child_sock) = (pair[0], pair[1]);
    let mut to_close = vec![child_sock];
    let cleanup = |fds: &[RawFd]| {
        fds.iter().for_each(|&fd| {
            unsafe { libc::close(fd) };
        })
    };

    let prog = match memfd(c"oci-ts-program", libc::MFD_CLOEXEC) {
        Ok(fd) => fd,
        Err(e) => {
            cleanup(&[parent_sock, child_sock]);
            return Err(jserr::os(&env, "spawnInit: memfd_create", &e));
        }
    };
    to_close.push(prog);
    let written = {
        use std::io::Write;
        let mut f = unsafe { std::fs::File::from_raw_fd(prog) };
        let r = f.write_all(opts.program.as_bytes()).and_then(|_| {
            if unsafe { libc::lseek(prog, 0, libc::SEEK_SET) } < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        });
        std::mem::forget(f);
        r
    };
    if let Err(e) = written {
        cleanup(&to_close);
        cleanup(&[parent_sock]);
        return Err(jserr::os(&env, "spawnInit: write the program", &e));
    }

    // Target layout: 0-2 stdio, 3.. preserved, then sync, program, console.
    let preserve = opts.preserve_fds.clone().unwrap_or_default();
    let mut sources: Vec<RawFd> = opts.stdio.clone();
    sources.extend(&preserve);
    let sync_target = sources.len();
    sources.push(child_sock);
    let prog_target = sources.len();
    sources.push(prog);
    let console_target = opts.console_socket_fd.map(|fd| {
        sources.push(fd);
        sources.len() - 1
    });
    // Copy every source above the highest target first.
    let mut high = Vec::with_capacity(sources.len());
    for &fd in &sources {
        let h = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, sources.len() as libc::c_int) };
        if h < 0 {
            let e = io::Error::last_os_error();
            cleanup(&high);
            cleanup(&to_close);
            cleanup(&[parent_sock]);
            return Err(jserr::os(&env, &format!("spawnInit: fd {fd}"), &e));
        }
        high.push(h);
    }

    let args: Vec<CString> = [
        "oci-ts-init".to_string(),
        sync_target.to_string(),
        prog_target.to_string(),
        console_target.map_or("-1".to_string(), |t| t.to_string()),
        preserve.len().to_string(),
    ]
    .iter()
    .map(|s| CString::new(s.as_str()).unwrap_or_default())
    .collect();
    let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let envp: [*const libc::c_char; 1] = [std::ptr::null()];
    let mut ca = ChildArgs {
        fds: high.as_ptr(),
        count: high.len(),
        exe,
        argv: argv.as_ptr(),
        envp: envp.as_ptr(),
        errno: 0,
    };

    const STACK: usize = 64 * 1024;
    let mut stack = vec![0u8; STACK];
    let top = unsafe { stack.as_mut_ptr().add(STACK) } as usize & !15;
    let pid = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
        let pid = libc::clone(
            child,
            top as *mut libc::c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            &mut ca as *mut ChildArgs as *mut libc::c_void,
        );
        let e = io::Error::last_os_error();
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        if pid < 0 {
            Err(e)
        } else {
            Ok(pid)
        }
    };
    drop(stack);
    cleanup(&high);
    cleanup(&to_close);
    let pid = match pid {
        Ok(pid) => pid,
        Err(e) => {
            cleanup(&[parent_sock]);
            return Err(jserr::os(&env, "spawnInit: clone", &e));
        }
    };
    if ca.errno != 0 {
        // The child never ran the executor: reap it and report why.
        let mut st = 0;
        unsafe { libc::waitpid(pid, &mut st, 0) };
        cleanup(&[parent_sock]);
        return Err(jserr::os(
            &env,
            &format!("spawnInit: exec {path}"),
            &io::Error::from_raw_os_error(ca.errno),
        ));
    }
    Ok(SpawnedInit {
        pid,
        sync_fd: parent_sock,
    })
}
