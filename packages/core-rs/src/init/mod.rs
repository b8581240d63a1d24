//! The container init executor: runs an InitProgram (program.d.ts) on the
//! child side, no JavaScript and no policy. The order of operations and the
//! protocol with the parent are in docs/init-program.md; each step's name
//! below is the `step` reported to the parent on failure.
//!
//! Started by the addon's `spawnInit` as `oci-ts-init <syncFd> <programFd>
//! <consoleFd|-1> <preserveFds>` from a sealed memfd (CVE-2019-5736), with
//! fds 0-2 and 3..3+preserveFds already in place.

pub mod attrs;
pub mod cgroupfs;
pub mod console;
pub mod copyup;
pub mod creds;
pub mod devices;
pub mod error;
pub mod exec;
pub mod hooks;
pub mod idmap;
pub mod lsm;
pub mod mountsrc;
pub mod namespaces;
pub mod procfs;
pub mod program;
pub mod rootfs;
pub mod seccomp;
pub mod sync;

use error::{Ctx, InitError, Result};
use program::InitProgram;
use serde_json::{json, Value};
use std::convert::Infallible;
use std::ffi::CString;
use std::io::Read;
use std::os::fd::{FromRawFd, RawFd};
use sync::Channel;

pub fn cstr(s: &str) -> CString {
    CString::new(s).unwrap_or_else(|_| CString::new(s.replace('\0', "")).unwrap_or_default())
}

pub struct Init {
    pub chan: Channel,
    fail_step: Option<String>,
}

impl Init {
    /// Entering `step`: fails here when the test switch names it.
    pub fn at(&self, step: &'static str) -> Result<()> {
        if self.fail_step.as_deref() == Some(step) {
            return Err(InitError::new(step, "injected failure"));
        }
        Ok(())
    }
}

/// Entry point of the `oci-ts-init` executable.
pub fn main() -> ! {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| args.get(i).and_then(|s| s.parse::<i32>().ok());
    let (Some(sync), Some(prog), Some(console), Some(npres)) = (num(1), num(2), num(3), num(4))
    else {
        eprintln!("oci-ts-init: internal executable of @oci/core, started by spawnInit");
        std::process::exit(2);
    };
    let mut init = Init {
        chan: Channel::new(sync),
        fail_step: None,
    };
    let console = if console >= 0 { Some(console) } else { None };
    let Err(e) = run(&mut init, prog, console, npres.max(0) as u32);
    if init.chan.is_open() {
        init.chan.send_error(&e);
        unsafe { libc::_exit(1) };
    }
    // After "ready" the parent is gone: the container's stderr is all we have.
    eprintln!("oci-ts-init: {e}");
    unsafe { libc::_exit(127) };
}

/// Node ignores SIGPIPE and spawnInit blocks every signal around clone:
/// neither may leak into the container (signal(7): ignored dispositions and
/// the mask survive execve).
fn reset_signals() {
    unsafe {
        for sig in 1..=64 {
            if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::pthread_sigmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
    }
}

fn read_program(fd: RawFd) -> Result<InitProgram> {
    let mut f = unsafe { std::fs::File::from_raw_fd(fd) };
    let mut text = Vec::new();
    f.read_to_end(&mut text)
        .ctx("program", "read the program")?;
    serde_json::from_slice(&text)
        .map_err(|e| InitError::new("program", format!("bad init program: {e}")))
}

fn run(init: &mut Init, prog_fd: RawFd, console: Option<RawFd>, npres: u32) -> Result<Infallible> {
    reset_signals();
    // CVE-2024-21626: every fd beyond 0-2 and the preserved ones (whatever
    // the parent leaked, our own sync/program/console fds) is close-on-exec.
    crate::sys::close_range(3 + npres, u32::MAX, crate::sys::CLOSE_RANGE_CLOEXEC)
        .ctx("fds", "close_range")?;
    let p = read_program(prog_fd)?;
    // Until execve, no process in the container may ptrace us or open our
    // /proc/<pid>/fd entries (CVE-2016-9962; runc's nsexec does the same).
    // execve makes the container process dumpable again. In a user namespace
    // we stay dumpable: non-dumpable /proc/self files belong to the global
    // root, and the namespace's root could not write oom_score_adj or
    // timens_offsets.
    if !p.namespaces.iter().any(|n| n.kind == "user") {
        unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    }
    init.fail_step = p.debug_fail_step.clone();
    init.at("program")?;
    if p.version != 1 {
        return Err(InitError::new(
            "program",
            format!("unsupported init program version {}", p.version),
        ));
    }
    if p.process.preserve_fds != npres {
        return Err(InitError::new(
            "program",
            format!(
                "process.preserveFds is {} but {npres} fds were passed",
                p.process.preserve_fds
            ),
        ));
    }
    // Setup creates files and nodes with exact modes; the process umask is
    // applied at the end.
    let saved_umask = unsafe { libc::umask(0) };
    let lsm = lsm::detect();

    init.at("setns-open")?;
    let nss = namespaces::open_all(&p.namespaces)?;
    // The fifo is a host path: open it (O_PATH) while it still resolves;
    // after pivot_root we open it again through /proc/self/fd (runc does so).
    let fifo = match &p.exec_fifo {
        Some(path) => {
            let c = cstr(path);
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_CLOEXEC) };
            if fd < 0 {
                return Err(InitError::os(
                    "exec-fifo",
                    &std::io::Error::last_os_error(),
                    format!("open {path}"),
                ));
            }
            Some(rootfs::Fd(fd))
        }
        None => None,
    };

    let agent = match &p.process.seccomp {
        Some(s) => seccomp::connect_listener(s)?,
        None => None,
    };
    // Id-mapped mounts are made while we are still root in the host's user
    // and mount namespaces (idmap.rs); attached after the rootfs is prepared.
    let idmapped = idmap::prepare(init, &p.mounts, p.rootfs.propagation)?;
    // Bind sources only the host's root can reach (mountsrc.rs): the helper
    // is forked while we are that root, and opens them once the container's
    // mount namespace exists.
    let sources = mountsrc::start(init, &p.namespaces, &p.mounts)?;
    namespaces::enter_user(init, &nss)?;
    let fork = namespaces::enter_others(init, &nss, p.time_offsets.as_ref())?;
    let source_fds = match sources {
        Some(s) => s.receive(p.mounts.len())?,
        None => Vec::new(),
    };
    init.at("pid")?;
    if fork {
        init.at("fork")?;
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(InitError::os(
                "fork",
                &std::io::Error::last_os_error(),
                "fork into the pid namespace",
            ));
        }
        if pid > 0 {
            // Stage 1 is done: report the container init's host pid and leave
            // the rest of the conversation to it.
            let _ = init.chan.send(&json!({"type": "pid", "pid": pid}));
            unsafe { libc::_exit(0) };
        }
    } else {
        let pid = unsafe { libc::getpid() };
        init.chan.send(&json!({"type": "pid", "pid": pid}))?;
    }
    let reply = init.chan.recv()?;
    if reply.get("type").and_then(Value::as_str) != Some("ok") {
        return Err(InitError::new(
            "pid",
            format!("unexpected reply from parent: {reply}"),
        ));
    }
    let state = reply
        .get("state")
        .map(|s| s.to_string())
        .unwrap_or_else(|| "{}".into());
    let process_pid = reply.get("processPid").and_then(Value::as_i64);

    namespaces::enter_cgroup(init, &nss)?;
    init.at("setsid")?;
    if unsafe { libc::setsid() } < 0 {
        return Err(InitError::os(
            "setsid",
            &std::io::Error::last_os_error(),
            "setsid",
        ));
    }
    if p.session_keyring {
        init.at("keyring")?;
        if let Some(label) = &p.session_keyring_label {
            lsm::key_label(label)?;
        }
        const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
        if unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0usize) } < 0 {
            let e = std::io::Error::last_os_error();
            // runc: a kernel without keyrings is not an error.
            if e.raw_os_error() != Some(libc::ENOSYS) {
                return Err(InitError::os("keyring", &e, "join a new session keyring"));
            }
        }
    }

    // create sets the rootfs up in whatever mount namespace the process is
    // in: a new one, one joined by path (runc and crun do so there too), or,
    // with none listed, the inherited one (config-linux.md: an unlisted type
    // is inherited; runc mounts there and chroots). exec joins the running
    // container's namespace, whose root setns already made ours: used as is.
    let new_mount_ns = nss
        .iter()
        .any(|n| n.flag == libc::CLONE_NEWNS && n.fd.is_none());
    let joined_mount_ns = nss
        .iter()
        .any(|n| n.flag == libc::CLONE_NEWNS && n.fd.is_some());
    let inherited_mount_ns = !new_mount_ns && !joined_mount_ns;
    let setup = new_mount_ns || p.rootfs.setup;
    let mut rootfs_fd = None;
    if setup {
        let rootfd = rootfs_fd.insert(rootfs::prepare(init, &p, inherited_mount_ns)?);
        let cgroupns = nss.iter().any(|n| n.flag == libc::CLONE_NEWCGROUP);
        for (i, m) in p.mounts.iter().enumerate() {
            init.at("mount")?;
            if m.fstype == "cgroup" {
                cgroupfs::mount_cgroup(rootfd.0, m, cgroupns)?;
            } else {
                rootfs::mount_one(
                    rootfd.0,
                    m,
                    idmapped.get(i).and_then(Option::as_ref),
                    source_fds.get(i).and_then(Option::as_ref),
                )?;
            }
            if let Some(label) = &m.file_label {
                let mounted = rootfs::open_in_root(rootfd.0, &m.destination)
                    .ctx("mount", format!("reopen {}", m.destination))?;
                lsm::file_label(&mounted, label, &m.destination)?;
            }
        }
        drop(idmapped);
        drop(source_fds);
        for d in &p.devices {
            init.at("device")?;
            devices::create(rootfd.0, d)?;
        }
        for s in &p.symlinks {
            init.at("symlink")?;
            devices::symlink(rootfd.0, s)?;
        }
        // runc creates a missing cwd inside the rootfs.
        rootfs::mkdir_all_in_root(rootfd.0, &p.process.cwd)
            .ctx("cwd", format!("create {}", p.process.cwd))?;
    } else if !joined_mount_ns && (!p.mounts.is_empty() || !p.devices.is_empty()) {
        return Err(InitError::new(
            "mount",
            "mounts and devices need a mount namespace",
        ));
    }

    init.at("createRuntime")?;
    init.chan.request(json!({"type": "createRuntime"}))?;
    init.at("createContainerHooks")?;
    if setup && !p.create_container_hooks.is_empty() {
        // runc (prepareRootfs) runs them with the rootfs as cwd.
        let c = cstr(&p.rootfs.path);
        if unsafe { libc::chdir(c.as_ptr()) } < 0 {
            return Err(InitError::os(
                "createContainerHooks",
                &std::io::Error::last_os_error(),
                format!("chdir {}", p.rootfs.path),
            ));
        }
    }
    hooks::run("createContainerHooks", &p.create_container_hooks, &state)?;

    // Read-only tmpfs and /dev mounts, mounted read-write so that what lies
    // below them could be made, become read-only now (runc: finalizeRootfs).
    if let Some(rootfd) = rootfs_fd.take() {
        for m in p.mounts.iter().filter(|m| rootfs::delays_readonly(m)) {
            init.at("rootfs-readonly")?;
            rootfs::remount_readonly_late(rootfd.0, m)?;
        }
    }

    init.at("pivot-root")?;
    if setup && !inherited_mount_ns {
        if p.rootfs.pivot_root {
            rootfs::pivot(&p.rootfs.path)?;
        } else {
            rootfs::move_root(&p.rootfs.path)?;
        }
        rootfs::reopen_dev_null()?;
        // linux.rootfsPropagation is the container root's own propagation too
        // (crun sets it after pivot_root): `shared` shows as a shared:N tag on
        // / in the container's mountinfo.
        let propagation = if p.rootfs.propagation == 0 {
            libc::MS_SLAVE | libc::MS_REC
        } else {
            p.rootfs.propagation
        };
        rootfs::mount(None, &cstr("/"), None, propagation, None)
            .ctx("rootfs-propagation", "set the propagation of the new /")?;
    } else if joined_mount_ns {
        if unsafe { libc::chdir(c"/".as_ptr()) } < 0 {
            return Err(InitError::os(
                "pivot-root",
                &std::io::Error::last_os_error(),
                "chdir / in the joined mount namespace",
            ));
        }
    } else {
        let c = cstr(&p.rootfs.path);
        if unsafe { libc::chroot(c.as_ptr()) } < 0 || unsafe { libc::chdir(c"/".as_ptr()) } < 0 {
            return Err(InitError::os(
                "pivot-root",
                &std::io::Error::last_os_error(),
                "chroot",
            ));
        }
    }

    if p.process.terminal {
        init.at("console")?;
        console::setup(console, p.process.console_size.as_ref())?;
    }
    init.at("sysctl")?;
    attrs::sysctl(&p.sysctl)?;
    // Before readonly and masked paths: a mask over /proc/self/oom_score_adj
    // must not turn the write into a refused write to /dev/null (procfs.rs
    // refuses a covered file; runc writes it from the host, where no mask is).
    if let Some(v) = p.process.oom_score_adj {
        init.at("oom-score-adj")?;
        attrs::oom_score_adj(v)?;
    }
    if let Some(h) = &p.hostname {
        init.at("hostname")?;
        attrs::hostname(h)?;
    }
    if let Some(d) = &p.domainname {
        init.at("domainname")?;
        attrs::domainname(d)?;
    }
    init.at("readonly-paths")?;
    for path in &p.readonly_paths {
        rootfs::readonly_path(path)?;
    }
    init.at("masked-paths")?;
    for path in &p.masked_paths {
        rootfs::mask_path(path, p.mask_tmpfs_data.as_deref())?;
    }
    if p.rootfs.readonly {
        init.at("rootfs-readonly")?;
        rootfs::readonly_root()?;
    }

    let pr = &p.process;
    init.at("rlimits")?;
    attrs::rlimits(pr)?;
    if let Some(v) = pr.personality {
        init.at("personality")?;
        attrs::personality(v)?;
    }
    if let Some(v) = pr.io_priority {
        init.at("io-priority")?;
        attrs::io_priority(v)?;
    }
    if let Some(s) = &pr.scheduler {
        init.at("scheduler")?;
        attrs::scheduler(s)?;
    }
    // The LSM labels for execve (lsm.rs: why here).
    init.at("apparmor")?;
    init.at("selinux")?;
    lsm::exec_labels(pr, &lsm)?;
    // Without no_new_privs, seccomp(2) needs CAP_SYS_ADMIN: load it while we
    // still have it (runc standard_init_linux.go does the same).
    let seccomp_late = pr
        .seccomp
        .as_ref()
        .is_some_and(|s| pr.no_new_privileges && !s.notify);
    if let Some(s) = pr.seccomp.as_ref().filter(|_| !seccomp_late) {
        init.at("seccomp")?;
        // Once the filter is loaded only what runc also does may run: a profile
        // need not allow close_range, so every fd is close-on-exec before it.
        cloexec_all(npres)?;
        seccomp::load(s, agent, &state, process_pid)?;
    }
    if let Some(caps) = &pr.capabilities {
        init.at("bounding")?;
        creds::drop_bounding(caps)?;
    }
    // runc (finalizeNamespace): enter cwd while we are still root, so a
    // directory only root can reach works for any process.user; only when
    // root is refused (EACCES/EPERM: a root-squashed or idmapped path the
    // user may reach) is it retried as the user below.
    init.at("cwd")?;
    let cwd_done = attrs::chdir_as_root(&pr.cwd)?;
    // HOME from the container's /etc/passwd, read while we are still root
    // (runc setupUser: "if we didn't get HOME already, set it").
    let env = exec::with_home(&pr.env, pr.uid);
    init.at("user")?;
    console::chown_stdio(pr.uid);
    creds::set_user(pr)?;
    if let Some(caps) = &pr.capabilities {
        init.at("capabilities")?;
        creds::apply(caps)?;
    }
    if pr.no_new_privileges {
        init.at("no-new-privs")?;
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } < 0 {
            return Err(InitError::os(
                "no-new-privs",
                &std::io::Error::last_os_error(),
                "PR_SET_NO_NEW_PRIVS",
            ));
        }
    }
    init.at("umask")?;
    attrs::umask_of(pr.umask.unwrap_or(saved_umask as u32));
    if !cwd_done {
        attrs::chdir(&pr.cwd)?;
    }
    init.at("exec-lookup")?;
    let exe = exec::lookup(&pr.args, &env)?;

    init.chan.send(&json!({"type": "ready"}))?;
    init.chan.close();

    if let Some(fifo) = fifo {
        init.at("exec-fifo")?;
        // Blocks until `start` opens the fifo for reading (fifo(7)).
        let path = fifo.proc_path();
        let fd = crate::sys::cvt_retry(|| unsafe {
            libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC)
        })
        .ctx("exec-fifo", "open exec.fifo")?;
        unsafe {
            libc::write(fd, b"0".as_ptr() as *const _, 1);
            libc::close(fd);
        }
        drop(fifo);
    }
    init.at("startContainerHooks")?;
    hooks::run("startContainerHooks", &p.start_container_hooks, &state)?;
    if let Some(s) = pr.seccomp.as_ref().filter(|_| seccomp_late) {
        init.at("seccomp")?;
        cloexec_all(npres)?;
        seccomp::load(s, agent, &state, process_pid)?;
    }
    init.at("exec")?;
    // With a filter loaded, nothing but execve may follow (it was done
    // before the filter); without one, catch whatever setup opened since.
    if pr.seccomp.is_none() {
        cloexec_all(npres)?;
    }
    Err(exec::exec(&exe, &pr.args, &env))
}

/// Marks every fd beyond 0-2 and the preserved ones close-on-exec
/// (CVE-2024-21626): none of init's fds may reach the container process.
fn cloexec_all(npres: u32) -> Result<()> {
    crate::sys::close_range(3 + npres, u32::MAX, crate::sys::CLOSE_RANGE_CLOEXEC)
        .ctx("exec", "close_range")
}
