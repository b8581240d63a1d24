//! Process attributes the kernel keeps across execve(2): rlimits, OOM score,
//! personality, I/O priority, scheduler; and the
//! namespace-wide ones set from inside: sysctl, hostname, domainname.

use super::cstr;
use super::error::{Ctx, InitError, Result};
use super::program::{ProcessProgram, Sysctl};
use std::io;

fn os(step: &'static str, what: String) -> InitError {
    InitError::os(step, &io::Error::last_os_error(), what)
}

pub fn sysctl(list: &[Sysctl]) -> Result<()> {
    for s in list {
        if s.key.contains("..") || s.key.contains('/') {
            return Err(InitError::new(
                "sysctl",
                format!("invalid sysctl key {:?}", s.key),
            ));
        }
        let path = format!("/proc/sys/{}", s.key.replace('.', "/"));
        // Never a file put over the sysctl by a mount (procfs.rs).
        super::procfs::write(&path, s.value.as_bytes()).ctx("sysctl", format!("write {path}"))?;
    }
    Ok(())
}

pub fn hostname(name: &str) -> Result<()> {
    if unsafe { libc::sethostname(name.as_ptr() as *const _, name.len()) } < 0 {
        return Err(os("hostname", format!("sethostname {name:?}")));
    }
    Ok(())
}

pub fn domainname(name: &str) -> Result<()> {
    if unsafe { libc::setdomainname(name.as_ptr() as *const _, name.len()) } < 0 {
        return Err(os("domainname", format!("setdomainname {name:?}")));
    }
    Ok(())
}

fn parse_limit(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok()
}

pub fn rlimits(p: &ProcessProgram) -> Result<()> {
    for r in &p.rlimits {
        let (Some(soft), Some(hard)) = (parse_limit(&r.soft), parse_limit(&r.hard)) else {
            return Err(InitError::new(
                "rlimits",
                format!("rlimit {}: bad value {:?}/{:?}", r.resource, r.soft, r.hard),
            ));
        };
        let lim = libc::rlimit64 {
            rlim_cur: soft,
            rlim_max: hard,
        };
        if unsafe { libc::prlimit64(0, r.resource as _, &lim, std::ptr::null_mut()) } < 0 {
            return Err(os("rlimits", format!("prlimit resource {}", r.resource)));
        }
    }
    Ok(())
}

pub fn oom_score_adj(v: i32) -> Result<()> {
    super::procfs::write("/proc/self/oom_score_adj", v.to_string().as_bytes())
        .ctx("oom-score-adj", "write /proc/self/oom_score_adj")
}

pub fn personality(domain: u64) -> Result<()> {
    if unsafe { libc::personality(domain as libc::c_ulong) } < 0 {
        return Err(os("personality", format!("personality({domain:#x})")));
    }
    Ok(())
}

pub fn io_priority(v: i32) -> Result<()> {
    const IOPRIO_WHO_PROCESS: i32 = 1;
    if unsafe { libc::syscall(libc::SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, v) } < 0 {
        return Err(os("io-priority", format!("ioprio_set({v:#x})")));
    }
    Ok(())
}

/// struct sched_attr (sched_setattr(2)).
#[repr(C)]
#[derive(Default)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
}

pub fn scheduler(s: &super::program::Scheduler) -> Result<()> {
    let num = |v: &Option<String>| v.as_deref().and_then(parse_limit).unwrap_or(0);
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        policy: s.policy,
        flags: s.flags,
        nice: s.nice,
        priority: s.priority,
        runtime: num(&s.runtime),
        deadline: num(&s.deadline),
        period: num(&s.period),
    };
    if unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) } < 0 {
        return Err(os(
            "scheduler",
            format!("sched_setattr policy {}", s.policy),
        ));
    }
    Ok(())
}

pub fn umask_of(v: u32) {
    unsafe { libc::umask(v as libc::mode_t) };
}

/// chdir before the user switch: Ok(false) when root is refused
/// (EACCES/EPERM) and it must be tried again as the process user.
pub fn chdir_as_root(cwd: &str) -> Result<bool> {
    let c = cstr(cwd);
    if unsafe { libc::chdir(c.as_ptr()) } < 0 {
        let e = std::io::Error::last_os_error();
        if matches!(e.raw_os_error(), Some(libc::EACCES) | Some(libc::EPERM)) {
            return Ok(false);
        }
        return Err(InitError::os("cwd", &e, format!("chdir {cwd}")));
    }
    Ok(true)
}

pub fn chdir(cwd: &str) -> Result<()> {
    let c = cstr(cwd);
    if unsafe { libc::chdir(c.as_ptr()) } < 0 {
        return Err(os("cwd", format!("chdir {cwd}")));
    }
    Ok(())
}
