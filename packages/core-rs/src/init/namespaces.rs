//! Namespaces: created with unshare(2) or joined with setns(2), user
//! namespace first (namespaces(7): the other namespaces created after it are
//! owned by it), the cgroup namespace last (after the parent placed us in
//! our cgroups, so the container sees its own cgroup as "/", as runc).

use super::error::{Ctx, InitError, Result};
use super::program::{NamespaceOp, TimeOffsets};
use super::{cstr, Init};
use serde_json::json;
use std::os::fd::RawFd;

pub const CLONE_NEWTIME: i32 = 0x80;

pub fn flag(kind: &str) -> Option<i32> {
    Some(match kind {
        "pid" => libc::CLONE_NEWPID,
        "network" => libc::CLONE_NEWNET,
        "mount" => libc::CLONE_NEWNS,
        "ipc" => libc::CLONE_NEWIPC,
        "uts" => libc::CLONE_NEWUTS,
        "user" => libc::CLONE_NEWUSER,
        "cgroup" => libc::CLONE_NEWCGROUP,
        "time" => CLONE_NEWTIME,
        _ => return None,
    })
}

/// A namespace to enter: its flag and, when joining, the fd opened early
/// (before any setns, while the host paths still resolve, as runc's nsexec).
pub struct Ns {
    pub kind: String,
    pub flag: i32,
    pub fd: Option<RawFd>,
}

pub fn open_all(ops: &[NamespaceOp]) -> Result<Vec<Ns>> {
    let mut out = Vec::new();
    for op in ops {
        let flag = flag(&op.kind).ok_or_else(|| {
            InitError::new(
                "setns-open",
                format!("unknown namespace type {:?}", op.kind),
            )
        })?;
        let fd = match &op.path {
            Some(p) => {
                let c = cstr(p);
                let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
                if fd < 0 {
                    return Err(InitError::os(
                        "setns-open",
                        &std::io::Error::last_os_error(),
                        format!("open {p}"),
                    ));
                }
                Some(fd)
            }
            None => None,
        };
        out.push(Ns {
            kind: op.kind.clone(),
            flag,
            fd,
        });
    }
    Ok(out)
}

fn enter(ns: &Ns) -> Result<()> {
    match ns.fd {
        Some(fd) => {
            let r = unsafe { libc::setns(fd, ns.flag) };
            if r < 0 {
                return Err(InitError::os(
                    "setns",
                    &std::io::Error::last_os_error(),
                    format!("setns {}", ns.kind),
                ));
            }
            unsafe { libc::close(fd) };
        }
        None => {
            let r = unsafe { libc::unshare(ns.flag) };
            if r < 0 {
                return Err(InitError::os(
                    "unshare",
                    &std::io::Error::last_os_error(),
                    format!("unshare {}", ns.kind),
                ));
            }
        }
    }
    Ok(())
}

/// The user namespace: join it, or create it and ask the parent to write
/// our uid/gid maps (an unprivileged process cannot map ids it does not own;
/// user_namespaces(7) "Defining user and group ID mappings"), then become
/// root inside it so the rest of the setup acts as the container's root.
pub fn enter_user(init: &mut Init, all: &[Ns]) -> Result<()> {
    let Some(ns) = all.iter().find(|n| n.flag == libc::CLONE_NEWUSER) else {
        return Ok(());
    };
    init.at("userns")?;
    enter(ns)?;
    if ns.fd.is_none() {
        init.at("idmap")?;
        let pid = unsafe { libc::getpid() };
        init.chan.request(json!({"type": "idmap", "pid": pid}))?;
    }
    // setresgid before setresuid: once we are not root we could not change gids.
    if unsafe { libc::setresgid(0, 0, 0) } < 0 {
        return Err(InitError::os(
            "userns",
            &std::io::Error::last_os_error(),
            "setresgid(0) in the user namespace",
        ));
    }
    if unsafe { libc::setresuid(0, 0, 0) } < 0 {
        return Err(InitError::os(
            "userns",
            &std::io::Error::last_os_error(),
            "setresuid(0) in the user namespace",
        ));
    }
    Ok(())
}

/// Every namespace except user (done) and cgroup (after the pid step).
/// Returns whether a fork is needed: a new or joined PID namespace applies to
/// children only (pid_namespaces(7)), and so does a time namespace
/// (time_namespaces(7)), whose offsets must be written before any process
/// is in it.
pub fn enter_others(init: &mut Init, all: &[Ns], offsets: Option<&TimeOffsets>) -> Result<bool> {
    let mut fork = false;
    for ns in all {
        if ns.flag == libc::CLONE_NEWUSER || ns.flag == libc::CLONE_NEWCGROUP {
            continue;
        }
        init.at(if ns.fd.is_some() { "setns" } else { "unshare" })?;
        enter(ns)?;
        if ns.flag == libc::CLONE_NEWPID {
            fork = true;
        }
        if ns.flag == CLONE_NEWTIME {
            fork = true;
            if ns.fd.is_none() {
                init.at("timens")?;
                if let Some(o) = offsets {
                    let mut text = String::new();
                    if let Some(m) = o.monotonic {
                        text.push_str(&format!("monotonic {} {}\n", m.secs, m.nanosecs));
                    }
                    if let Some(b) = o.boottime {
                        text.push_str(&format!("boottime {} {}\n", b.secs, b.nanosecs));
                    }
                    if !text.is_empty() {
                        std::fs::write("/proc/self/timens_offsets", text)
                            .ctx("timens", "write /proc/self/timens_offsets")?;
                    }
                }
            }
        }
    }
    Ok(fork)
}

pub fn enter_cgroup(init: &mut Init, all: &[Ns]) -> Result<()> {
    if let Some(ns) = all.iter().find(|n| n.flag == libc::CLONE_NEWCGROUP) {
        init.at("cgroupns")?;
        enter(ns).map_err(|mut e| {
            e.step = "cgroupns";
            e
        })?;
    }
    Ok(())
}
