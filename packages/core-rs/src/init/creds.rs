//! Capabilities and user: bounding set drop (needs CAP_SETPCAP, so first),
//! then groups/gid/uid with PR_SET_KEEPCAPS so permitted survives the uid
//! change (capabilities(7) "Effect of user ID changes on capabilities"),
//! then capset(2) for effective/permitted/inheritable, then ambient.

use super::error::{InitError, Result};
use super::program::{Capabilities, ProcessProgram};
use std::io;

fn os(step: &'static str, what: &str) -> InitError {
    InitError::os(step, &io::Error::last_os_error(), what)
}

fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

pub fn drop_bounding(caps: &Capabilities) -> Result<()> {
    for cap in 0..=last_cap() {
        if caps.bounding.contains(&cap) {
            continue;
        }
        if unsafe { libc::prctl(libc::PR_CAPBSET_DROP, cap as libc::c_ulong, 0, 0, 0) } < 0 {
            let e = io::Error::last_os_error();
            // EINVAL: a capability this kernel does not know.
            if e.raw_os_error() != Some(libc::EINVAL) {
                return Err(InitError::os(
                    "bounding",
                    &e,
                    format!("drop capability {cap} from the bounding set"),
                ));
            }
        }
    }
    Ok(())
}

pub fn set_user(p: &ProcessProgram) -> Result<()> {
    let gids: Vec<libc::gid_t> = p.additional_gids.clone();
    if unsafe { libc::setgroups(gids.len(), gids.as_ptr()) } < 0 {
        let e = io::Error::last_os_error();
        // With /proc/<pid>/setgroups "deny" (rootless) only an empty list can be
        // wanted; the kernel refuses the call itself.
        if !(gids.is_empty() && e.raw_os_error() == Some(libc::EPERM)) {
            return Err(InitError::os("user", &e, "setgroups"));
        }
    }
    if unsafe { libc::setresgid(p.gid, p.gid, p.gid) } < 0 {
        return Err(os("user", &format!("setresgid({})", p.gid)));
    }
    if unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 1, 0, 0, 0) } < 0 {
        return Err(os("user", "PR_SET_KEEPCAPS"));
    }
    if unsafe { libc::setresuid(p.uid, p.uid, p.uid) } < 0 {
        return Err(os("user", &format!("setresuid({})", p.uid)));
    }
    unsafe { libc::prctl(libc::PR_SET_KEEPCAPS, 0, 0, 0, 0) };
    Ok(())
}

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: i32,
}
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}
const LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;

fn mask(list: &[u32]) -> u64 {
    list.iter()
        .filter(|&&c| c < 64)
        .fold(0u64, |m, &c| m | (1u64 << c))
}

pub fn apply(caps: &Capabilities) -> Result<()> {
    let (e, p, i) = (
        mask(&caps.effective),
        mask(&caps.permitted),
        mask(&caps.inheritable),
    );
    let mut hdr = CapHeader {
        version: LINUX_CAPABILITY_VERSION_3,
        pid: 0,
    };
    let data = [
        CapData {
            effective: e as u32,
            permitted: p as u32,
            inheritable: i as u32,
        },
        CapData {
            effective: (e >> 32) as u32,
            permitted: (p >> 32) as u32,
            inheritable: (i >> 32) as u32,
        },
    ];
    if unsafe { libc::syscall(libc::SYS_capset, &mut hdr as *mut CapHeader, data.as_ptr()) } < 0 {
        return Err(os("capabilities", "capset"));
    }
    if unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    } < 0
    {
        return Err(os("capabilities", "clear the ambient set"));
    }
    for &cap in &caps.ambient {
        if unsafe {
            libc::prctl(
                libc::PR_CAP_AMBIENT,
                libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong,
                cap as libc::c_ulong,
                0,
                0,
            )
        } < 0
        {
            return Err(os(
                "capabilities",
                &format!("raise ambient capability {cap} (it must be permitted and inheritable)"),
            ));
        }
    }
    Ok(())
}
