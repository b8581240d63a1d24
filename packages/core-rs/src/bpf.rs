//! bpf(2) for the cgroup v2 device controller (owned by the @oci/cgroups work).
//!
//! cgroup v2 has no devices.allow/deny files: device access is decided by a
//! BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup directory with
//! BPF_CGROUP_DEVICE (Documentation/admin-guide/cgroup-v2.rst, "Device
//! controller"). The program itself is compiled in TypeScript
//! (@oci/cgroups devices/ebpf.ts); this file only moves bytes into the kernel.
//!
//! Errors: a JS Error whose `code` is the errno name ("EPERM", "EINVAL", ...)
//! and whose message ends with "(errno N)", which @oci/cgroups parses into a
//! typed CgroupError with `errno`. A verifier rejection carries the verifier
//! log in the message.

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_DETACH: libc::c_long = 9;
const BPF_PROG_GET_FD_BY_ID: libc::c_long = 13;
const BPF_PROG_QUERY: libc::c_long = 16;

const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;

/// First fields of `union bpf_attr` for BPF_PROG_LOAD (linux/bpf.h).
#[repr(C)]
#[derive(Default)]
struct ProgLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// `union bpf_attr` for BPF_PROG_ATTACH / BPF_PROG_DETACH.
#[repr(C)]
#[derive(Default)]
struct AttachAttr {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

/// `union bpf_attr` for BPF_PROG_QUERY (the fields up to prog_cnt).
#[repr(C)]
#[derive(Default)]
struct QueryAttr {
    target_fd: u32,
    attach_type: u32,
    query_flags: u32,
    attach_flags: u32,
    prog_ids: u64,
    prog_cnt: u32,
    _pad: u32,
}

/// `union bpf_attr` for BPF_PROG_GET_FD_BY_ID.
#[repr(C)]
#[derive(Default)]
struct GetFdByIdAttr {
    prog_id: u32,
    next_id: u32,
    open_flags: u32,
}

fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::ESRCH => "ESRCH",
        libc::EINTR => "EINTR",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENOTDIR => "ENOTDIR",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENOSPC => "ENOSPC",
        libc::E2BIG => "E2BIG",
        libc::ENOSYS => "ENOSYS",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        _ => "EUNKNOWN",
    }
}

fn os_error(what: &str, extra: &str) -> napi::Error<String> {
    let e = std::io::Error::last_os_error();
    let errno = e.raw_os_error().unwrap_or(0);
    napi::Error::new(
        errno_name(errno).to_string(),
        format!("{what}: {e} (errno {errno}){extra}"),
    )
}

unsafe fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> libc::c_long {
    libc::syscall(
        libc::SYS_bpf,
        cmd,
        attr as *mut T,
        std::mem::size_of::<T>() as u32,
    )
}

/// BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program. `insns` holds
/// raw eBPF instructions (8 bytes each, host byte order). Returns the program
/// fd (O_CLOEXEC, as every bpf(2) fd). On a verifier rejection the message
/// includes the verifier log.
#[napi]
pub fn bpf_prog_load_cgroup_device(insns: Buffer, license: String) -> napi::Result<i32, String> {
    if !insns.len().is_multiple_of(8) || insns.is_empty() {
        return Err(napi::Error::new(
            "EINVAL".to_string(),
            format!(
                "bpf(BPF_PROG_LOAD): {} bytes is not a whole number of instructions (errno 22)",
                insns.len()
            ),
        ));
    }
    let license = std::ffi::CString::new(license).map_err(|_| {
        napi::Error::new(
            "EINVAL".to_string(),
            "bpf(BPF_PROG_LOAD): license has a NUL byte (errno 22)".to_string(),
        )
    })?;
    let mut log = vec![0u8; 64 * 1024];
    let mut name = [0u8; 16];
    name[..6].copy_from_slice(b"oci_ts");
    let mut attr = ProgLoadAttr {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: (insns.len() / 8) as u32,
        insns: insns.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: 1,
        log_size: log.len() as u32,
        log_buf: log.as_mut_ptr() as u64,
        prog_name: name,
        expected_attach_type: BPF_CGROUP_DEVICE,
        ..Default::default()
    };
    let mut fd = unsafe { bpf(BPF_PROG_LOAD, &mut attr) };
    if fd < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOSPC) {
        // The verifier log did not fit: load again without a log to get the
        // program's own error rather than the log's.
        attr.log_level = 0;
        attr.log_size = 0;
        attr.log_buf = 0;
        fd = unsafe { bpf(BPF_PROG_LOAD, &mut attr) };
    }
    if fd < 0 {
        let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
        let text = String::from_utf8_lossy(&log[..end]).to_string();
        let extra = if text.is_empty() {
            String::new()
        } else {
            format!("\nverifier log:\n{text}")
        };
        return Err(os_error("bpf(BPF_PROG_LOAD)", &extra));
    }
    Ok(fd as i32)
}

/// BPF_PROG_ATTACH with attach type BPF_CGROUP_DEVICE: attaches `progFd` to
/// the cgroup2 directory open as `cgroupFd`. `flags` are BPF_F_ALLOW_OVERRIDE
/// (1) / BPF_F_ALLOW_MULTI (2) / BPF_F_REPLACE (4).
#[napi]
pub fn bpf_prog_attach_cgroup_device(
    prog_fd: i32,
    cgroup_fd: i32,
    flags: u32,
) -> napi::Result<(), String> {
    let mut attr = AttachAttr {
        target_fd: cgroup_fd as u32,
        attach_bpf_fd: prog_fd as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: flags,
        ..Default::default()
    };
    if unsafe { bpf(BPF_PROG_ATTACH, &mut attr) } < 0 {
        return Err(os_error("bpf(BPF_PROG_ATTACH)", ""));
    }
    Ok(())
}

/// BPF_PROG_DETACH of program `progFd` (attach type BPF_CGROUP_DEVICE) from
/// the cgroup2 directory open as `cgroupFd`.
#[napi]
pub fn bpf_prog_detach_cgroup_device(prog_fd: i32, cgroup_fd: i32) -> napi::Result<(), String> {
    let mut attr = AttachAttr {
        target_fd: cgroup_fd as u32,
        attach_bpf_fd: prog_fd as u32,
        attach_type: BPF_CGROUP_DEVICE,
        ..Default::default()
    };
    if unsafe { bpf(BPF_PROG_DETACH, &mut attr) } < 0 {
        return Err(os_error("bpf(BPF_PROG_DETACH)", ""));
    }
    Ok(())
}

/// BPF_PROG_QUERY: ids of the BPF_CGROUP_DEVICE programs attached directly to
/// the cgroup2 directory open as `cgroupFd` (not inherited ones).
#[napi]
pub fn bpf_prog_query_cgroup_device(cgroup_fd: i32) -> napi::Result<Vec<u32>, String> {
    let mut ids = vec![0u32; 64];
    let mut attr = QueryAttr {
        target_fd: cgroup_fd as u32,
        attach_type: BPF_CGROUP_DEVICE,
        prog_ids: ids.as_mut_ptr() as u64,
        prog_cnt: ids.len() as u32,
        ..Default::default()
    };
    if unsafe { bpf(BPF_PROG_QUERY, &mut attr) } < 0 {
        return Err(os_error("bpf(BPF_PROG_QUERY)", ""));
    }
    ids.truncate(attr.prog_cnt.min(64) as usize);
    Ok(ids)
}

/// BPF_PROG_GET_FD_BY_ID: an fd for an attached program (to detach it).
#[napi]
pub fn bpf_prog_get_fd_by_id(id: u32) -> napi::Result<i32, String> {
    let mut attr = GetFdByIdAttr {
        prog_id: id,
        ..Default::default()
    };
    let fd = unsafe { bpf(BPF_PROG_GET_FD_BY_ID, &mut attr) };
    if fd < 0 {
        return Err(os_error("bpf(BPF_PROG_GET_FD_BY_ID)", ""));
    }
    Ok(fd as i32)
}

/// eventfd(2) with EFD_CLOEXEC, for cgroup v1 notifications: memory
/// oom_control events are registered by writing "<eventfd> <fd of
/// memory.oom_control>" to cgroup.event_control
/// (Documentation/admin-guide/cgroup-v1/memory.rst §9, §10). The kernel also
/// signals it when the cgroup is removed. Lives here because this file is the
/// cgroups part of the crate.
#[napi]
pub fn cgroup_eventfd() -> napi::Result<i32, String> {
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(os_error("eventfd", ""));
    }
    Ok(fd)
}
