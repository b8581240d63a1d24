//! `oci-ts`: the native front end (design.md "The fast path: native front
//! end, warm TypeScript planner"). It links neither Node nor napi. For each
//! call it connects to the warm planner of this `--root` (a Node process
//! running the same TypeScript command handlers) and forwards argv, env, the
//! cwd (as an fd) and stdin/stdout/stderr (SCM_RIGHTS, unix(7)), then exits
//! with the status the planner sends back. Whenever the planner cannot take
//! the call (none running, another build, another namespace, a command it
//! does not serve) it execs Node with the JavaScript CLI: the cold path, the
//! same pid and no extra process; with no planner it first starts one in the
//! background for later calls.
//!
//! Wire protocol (protocol version `PROTO`), on a SOCK_STREAM unix socket:
//! - front end → planner: 4 bytes `OCI1` carrying [cwd, 0, 1, 2] as
//!   SCM_RIGHTS, then one frame;
//! - frame: u32 little-endian length + JSON. Request
//!   `{"build","argv","env","cwd"}`; replies `{"t":"cold","why"}` (nothing
//!   was done: run the cold path), `{"t":"started","idempotent"}` (the
//!   handler runs now), `{"t":"exit","code"}`.

use std::ffi::{CStr, CString, OsStr, OsString};
use std::io;
use std::os::fd::RawFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

const PROTO: &str = "1";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const DEFAULT_ROOT: &str = "/run/oci-ts";
/// Global flags that take a value (packages/cli/src/global-argv.ts).
const GLOBAL_VALUE: [&str; 4] = ["root", "log", "log-format", "criu"];
/// A reply frame is a few bytes; anything larger is not our planner.
const MAX_FRAME: usize = 1 << 16;

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let mut planner = std::env::var_os("OCI_TS_PLANNER").is_none_or(|v| v != "0");
    if strip_global_flag(&mut args, "--no-planner") {
        planner = false;
    }
    let paths = match Paths::find() {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("oci-ts: {msg}");
            std::process::exit(127);
        }
    };
    if !planner {
        exec_cold(&paths, &args);
    }
    let Some(root) = global_root(&args) else {
        exec_cold(&paths, &args)
    };
    let Some(sock) = socket_path(&root) else {
        exec_cold(&paths, &args)
    };
    let build = paths.build_id();
    match call(&sock, &build, &args) {
        Outcome::Exit(code) => std::process::exit(code),
        Outcome::Cold { start } => {
            if start {
                spawn_planner(&paths, &root, &sock, &build);
            }
            exec_cold(&paths, &args)
        }
        Outcome::Died { idempotent: true } => exec_cold(&paths, &args),
        Outcome::Died { idempotent: false } => {
            // The command may have been half done: never run it again blindly.
            // Its per-container lock names the dead planner's pid, so the next
            // call breaks it (packages/cli/src/state.ts).
            eprintln!("oci-ts: the planner exited during this call; the command may not have completed (see `oci-ts state`)");
            std::process::exit(1);
        }
    }
}

/// Removes `flag` from the global flags (those before the command).
fn strip_global_flag(args: &mut Vec<OsString>, flag: &str) -> bool {
    let mut i = 0;
    while i < args.len() && args[i].as_bytes().starts_with(b"--") {
        if args[i] == flag {
            args.remove(i);
            return true;
        }
        let name = global_name(&args[i]);
        if GLOBAL_VALUE.contains(&name.as_str()) && !args[i].as_bytes().contains(&b'=') {
            i += 1;
        }
        i += 1;
    }
    false
}

fn global_name(a: &OsStr) -> String {
    let body = &a.as_bytes()[2..];
    let end = body.iter().position(|&b| b == b'=').unwrap_or(body.len());
    String::from_utf8_lossy(&body[..end]).into_owned()
}

/// The `--root` the call names (absolute), or None when the global flags are
/// not plain (the cold path's parser then decides) or the root is relative
/// (the planner's cwd is not the caller's).
fn global_root(args: &[OsString]) -> Option<PathBuf> {
    let mut root = PathBuf::from(DEFAULT_ROOT);
    let mut i = 0;
    while i < args.len() && args[i].as_bytes().starts_with(b"--") {
        let a = args[i].as_bytes();
        let name = global_name(&args[i]);
        if GLOBAL_VALUE.contains(&name.as_str()) {
            let value: &[u8] = match a.iter().position(|&b| b == b'=') {
                Some(eq) => &a[eq + 1..],
                None => {
                    i += 1;
                    args.get(i)?.as_bytes()
                }
            };
            if name == "root" {
                root = PathBuf::from(OsStr::from_bytes(value));
            }
        }
        i += 1;
    }
    root.is_absolute().then_some(root)
}

/// The planner socket of `root`: one per root, in a directory only the
/// owner can enter (root: /run/oci-ts-planner; others: $XDG_RUNTIME_DIR).
/// OCI_TS_PLANNER_DIR overrides the directory (tests).
fn socket_path(root: &Path) -> Option<PathBuf> {
    let dir = match std::env::var_os("OCI_TS_PLANNER_DIR") {
        Some(d) => PathBuf::from(d),
        None if unsafe { libc::geteuid() } == 0 => PathBuf::from("/run/oci-ts-planner"),
        None => PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR")?).join("oci-ts-planner"),
    };
    Some(dir.join(format!("{:016x}.sock", fnv1a(root.as_os_str().as_bytes()))))
}

/// FNV-1a 64 (packages/cli/src/planner/socket.ts computes the same).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

struct Paths {
    /// The directory of this executable (packages/cli/bin).
    bin_dir: PathBuf,
    node: PathBuf,
    exe: PathBuf,
}

impl Paths {
    fn find() -> Result<Paths, String> {
        let exe =
            std::fs::read_link("/proc/self/exe").map_err(|e| format!("/proc/self/exe: {e}"))?;
        let bin_dir = exe
            .parent()
            .ok_or("no directory for /proc/self/exe")?
            .to_path_buf();
        // As `#!/usr/bin/env node` (bin/oci-ts.cjs) would: node from PATH.
        let path = std::env::var_os("PATH")
            .unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
        let node = std::env::split_paths(&path)
            .map(|d| d.join("node"))
            .find(|p| {
                CString::new(p.as_os_str().as_bytes())
                    .map(|c| unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0)
                    .unwrap_or(false)
            })
            .ok_or("node: not found in PATH")?;
        Ok(Paths { bin_dir, node, exe })
    }

    fn cli(&self) -> PathBuf {
        self.bin_dir.join("oci-ts.cjs")
    }

    fn planner_entry(&self) -> PathBuf {
        self.bin_dir.join("../dist/bundle/planner.cjs")
    }

    /// What a planner must have been started from to serve this call: the
    /// protocol, this executable, node, and the JavaScript it loads (identity
    /// and modification time, so a rebuild or an upgrade is another build).
    fn build_id(&self) -> String {
        let mut id = format!("{PROTO}/{VERSION}");
        let node = std::fs::canonicalize(&self.node).unwrap_or_else(|_| self.node.clone());
        let bundle = self.bin_dir.join("../dist/bundle");
        let files = [
            self.exe.clone(),
            node,
            self.cli(),
            bundle.join("oci-ts.cjs"),
            bundle.join("cold.cjs"),
            bundle.join("planner.cjs"),
            bundle.join("deps/core.cjs"),
            bundle.join("deps/cgroups.cjs"),
        ];
        for f in files {
            match std::fs::metadata(&f) {
                Ok(m) => {
                    use std::os::unix::fs::MetadataExt;
                    id.push_str(&format!(
                        ";{}:{}:{}:{}.{}",
                        m.dev(),
                        m.ino(),
                        m.size(),
                        m.mtime(),
                        m.mtime_nsec()
                    ));
                }
                Err(_) => id.push_str(";-"),
            }
        }
        id
    }
}

fn cstring(p: &OsStr) -> CString {
    CString::new(p.as_bytes()).unwrap_or_else(|_| CString::new("/nonexistent").unwrap())
}

/// The cold path: Node with the JavaScript CLI, in this process (execve).
fn exec_cold(paths: &Paths, args: &[OsString]) -> ! {
    let node = cstring(paths.node.as_os_str());
    let mut argv: Vec<CString> = vec![node.clone(), cstring(paths.cli().as_os_str())];
    argv.extend(args.iter().map(|a| cstring(a)));
    let mut ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(std::ptr::null());
    unsafe { libc::execv(node.as_ptr(), ptrs.as_ptr()) };
    eprintln!(
        "oci-ts: exec {}: {}",
        paths.node.display(),
        io::Error::last_os_error()
    );
    std::process::exit(127);
}

enum Outcome {
    Exit(i32),
    /// Nothing was done; `start`: no usable planner runs, start one.
    Cold {
        start: bool,
    },
    /// The planner went away after the handler started.
    Died {
        idempotent: bool,
    },
}

struct Fd(RawFd);
impl Drop for Fd {
    fn drop(&mut self) {
        unsafe { libc::close(self.0) };
    }
}

fn call(sock: &Path, build: &str, args: &[OsString]) -> Outcome {
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Outcome::Cold { start: false };
    }
    let fd = Fd(fd);
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let p = sock.as_os_str().as_bytes();
    if p.len() >= addr.sun_path.len() {
        return Outcome::Cold { start: false };
    }
    for (d, s) in addr.sun_path.iter_mut().zip(p) {
        *d = *s as libc::c_char;
    }
    let len = (std::mem::size_of::<libc::sa_family_t>() + p.len() + 1) as libc::socklen_t;
    if unsafe { libc::connect(fd.0, &addr as *const _ as *const libc::sockaddr, len) } < 0 {
        // ENOENT, ECONNREFUSED (a stale socket): no planner; EACCES: not ours.
        let e = io::Error::last_os_error().raw_os_error();
        return Outcome::Cold {
            start: e != Some(libc::EACCES),
        };
    }
    // The planner must run as our user (unix(7) SO_PEERCRED); the directory's
    // mode keeps others out, this keeps a replaced socket from fooling us.
    let mut cred: libc::ucred = unsafe { std::mem::zeroed() };
    let mut clen = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    if unsafe {
        libc::getsockopt(
            fd.0,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            &mut cred as *mut _ as *mut _,
            &mut clen,
        )
    } < 0
        || cred.uid != unsafe { libc::geteuid() }
    {
        return Outcome::Cold { start: false };
    }
    // stdin/stdout/stderr must all be open to be passed; a caller that closed
    // one gets the cold path, where the handler sees exactly that.
    for std_fd in 0..3 {
        if unsafe { libc::fcntl(std_fd, libc::F_GETFD) } < 0 {
            return Outcome::Cold { start: false };
        }
    }
    let dot = CString::new(".").unwrap();
    let cwd_fd = unsafe {
        libc::open(
            dot.as_ptr(),
            libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if cwd_fd < 0 {
        return Outcome::Cold { start: false };
    }
    let cwd_fd = Fd(cwd_fd);
    let Ok(cwd) = std::env::current_dir() else {
        return Outcome::Cold { start: false };
    };
    let Some(request) = request_json(build, args, &cwd) else {
        return Outcome::Cold { start: false };
    };
    if send_fds(fd.0, b"OCI1", &[cwd_fd.0, 0, 1, 2]).is_err()
        || write_frame(fd.0, request.as_bytes()).is_err()
    {
        return Outcome::Cold { start: false };
    }
    drop(cwd_fd);
    let mut started: Option<bool> = None;
    loop {
        let Ok(frame) = read_frame(fd.0) else {
            return match started {
                Some(idempotent) => Outcome::Died { idempotent },
                // It went away before it began: as if there were none.
                None => Outcome::Cold { start: true },
            };
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&frame) else {
            return Outcome::Died {
                idempotent: started.unwrap_or(false),
            };
        };
        match v["t"].as_str() {
            Some("cold") => {
                return Outcome::Cold {
                    start: v["why"].as_str() == Some("build"),
                }
            }
            Some("started") => started = Some(v["idempotent"].as_bool().unwrap_or(false)),
            Some("exit") => return Outcome::Exit(v["code"].as_i64().unwrap_or(1) as i32),
            _ => {
                return Outcome::Died {
                    idempotent: started.unwrap_or(false),
                }
            }
        }
    }
}

/// None when an argument or variable is not UTF-8 (JSON cannot carry it
/// exactly): the cold path takes those.
fn request_json(build: &str, args: &[OsString], cwd: &Path) -> Option<String> {
    let argv: Option<Vec<&str>> = args.iter().map(|a| a.to_str()).collect();
    let env: Option<Vec<String>> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            String::from_utf8(kv).ok()
        })
        .collect();
    let v = serde_json::json!({ "build": build, "argv": argv?, "env": env?, "cwd": cwd.to_str()? });
    serde_json::to_string(&v).ok()
}

fn send_fds(sock: RawFd, data: &[u8], fds: &[RawFd]) -> io::Result<()> {
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut _,
        iov_len: data.len(),
    };
    let bytes = std::mem::size_of_val(fds) as u32;
    let space = unsafe { libc::CMSG_SPACE(bytes) } as usize;
    let mut cbuf = vec![0u8; space];
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.as_mut_ptr() as *mut _;
    msg.msg_controllen = space;
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(bytes) as usize;
        std::ptr::copy_nonoverlapping(
            fds.as_ptr() as *const u8,
            libc::CMSG_DATA(cmsg),
            bytes as usize,
        );
    }
    loop {
        let n = unsafe { libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL) };
        if n == data.len() as isize {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if n < 0 && e.raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return Err(if n < 0 {
            e
        } else {
            io::Error::from_raw_os_error(libc::EIO)
        });
    }
}

fn write_all(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        let n = unsafe { libc::send(fd, buf.as_ptr() as *const _, buf.len(), libc::MSG_NOSIGNAL) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

fn write_frame(fd: RawFd, body: &[u8]) -> io::Result<()> {
    let mut buf = (body.len() as u32).to_le_bytes().to_vec();
    buf.extend_from_slice(body);
    write_all(fd, &buf)
}

fn read_exact(fd: RawFd, buf: &mut [u8]) -> io::Result<()> {
    let mut off = 0;
    while off < buf.len() {
        let n = unsafe { libc::read(fd, buf[off..].as_mut_ptr() as *mut _, buf.len() - off) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        off += n as usize;
    }
    Ok(())
}

fn read_frame(fd: RawFd) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    read_exact(fd, &mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::from_raw_os_error(libc::EMSGSIZE));
    }
    let mut body = vec![0u8; len];
    read_exact(fd, &mut body)?;
    Ok(body)
}

/// Starts a planner for `root` in the background (a grandchild in a session
/// of its own, stdio on /dev/null, cwd /, no inherited fds) and returns at
/// once: this call goes on cold and is not delayed by the planner's start.
/// Two callers starting one each is harmless: the planner takes a lock and
/// the loser exits (packages/cli/src/planner/serve.ts).
fn spawn_planner(paths: &Paths, root: &Path, sock: &Path, build: &str) {
    let node = cstring(paths.node.as_os_str());
    let argv = [node.clone(), cstring(paths.planner_entry().as_os_str())];
    let mut envs: Vec<CString> = std::env::vars_os()
        .filter(|(k, _)| {
            !k.as_bytes().starts_with(b"OCI_TS_PLANNER_")
                || k == "OCI_TS_PLANNER_IDLE_MS"
                || k == "OCI_TS_PLANNER_LOG"
        })
        .filter_map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            CString::new(kv).ok()
        })
        .collect();
    for (k, v) in [
        ("OCI_TS_PLANNER_ROOT", root.as_os_str()),
        ("OCI_TS_PLANNER_SOCKET", sock.as_os_str()),
        ("OCI_TS_PLANNER_BUILD", OsStr::new(build)),
    ] {
        let mut kv = k.as_bytes().to_vec();
        kv.push(b'=');
        kv.extend_from_slice(v.as_bytes());
        if let Ok(c) = CString::new(kv) {
            envs.push(c);
        }
    }
    let log = std::env::var_os("OCI_TS_PLANNER_LOG").map(|l| cstring(&l));
    // Everything the children need is allocated before fork.
    let mut argv_p: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_p.push(std::ptr::null());
    let mut env_p: Vec<*const libc::c_char> = envs.iter().map(|a| a.as_ptr()).collect();
    env_p.push(std::ptr::null());
    let devnull: &CStr = c"/dev/null";
    let slash: &CStr = c"/";
    unsafe {
        let pid = libc::fork();
        if pid < 0 {
            return;
        }
        if pid == 0 {
            libc::setsid();
            if libc::fork() != 0 {
                libc::_exit(0);
            }
            let null = libc::open(devnull.as_ptr(), libc::O_RDWR);
            let err = match &log {
                Some(l) => libc::open(
                    l.as_ptr(),
                    libc::O_WRONLY | libc::O_CREAT | libc::O_APPEND,
                    0o600,
                ),
                None => null,
            };
            libc::dup2(null, 0);
            libc::dup2(null, 1);
            libc::dup2(if err >= 0 { err } else { null }, 2);
            libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32);
            libc::chdir(slash.as_ptr());
            libc::execve(node.as_ptr(), argv_p.as_ptr(), env_p.as_ptr());
            libc::_exit(127);
        }
        let mut status = 0;
        while libc::waitpid(pid, &mut status, 0) < 0
            && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
        {}
    }
}
