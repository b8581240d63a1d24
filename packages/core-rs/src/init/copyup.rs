//! `tmpcopyup` (runc's EXT_COPYUP, crun's "tmpcopyup"; podman adds it to
//! every --tmpfs): a tmpfs whose initial contents are a copy of the
//! directory it is mounted over, so mounting a tmpfs on /etc does not hide
//! the image's /etc.
//!
//! runc mounts the tmpfs on a temporary directory of the host's /tmp,
//! copies and MS_MOVEs it (rootfs_linux.go doTmpfsCopyUp). We use the new
//! mount API instead (fsopen(2), fsconfig(2), fsmount(2)): the tmpfs is a
//! detached mount reachable only through its fd, so nothing is created on
//! the host and a crash leaves nothing behind. The copy is fd-relative with
//! O_NOFOLLOW / AT_SYMLINK_NOFOLLOW everywhere: a symlink in the image
//! (even "/etc/evil -> ../../../host") is copied as a symlink and never
//! followed out of the rootfs (CVE-2018-15664 class). mount_one then
//! attaches the tree with move_mount(2) onto the destination's O_PATH fd.
//!
//! Preserved: the file type, contents, mode (with setuid/setgid/sticky),
//! owner and atime/mtime (utimensat(2)) of directories, regular files,
//! symlinks, device nodes, fifos and sockets. Not preserved: xattrs
//! (security.* labels included), hard links (each name gets its own copy)
//! and holes in sparse files.

use super::cstr;
use super::rootfs::Fd;
use std::ffi::CString;
use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{FromRawFd, RawFd};

// linux/mount.h
const FSOPEN_CLOEXEC: libc::c_uint = 1;
const FSCONFIG_SET_FLAG: libc::c_uint = 0;
const FSCONFIG_SET_STRING: libc::c_uint = 1;
const FSCONFIG_CMD_CREATE: libc::c_uint = 6;
const FSMOUNT_CLOEXEC: libc::c_uint = 1;
const MOUNT_ATTR_RDONLY: u64 = 0x1;
const MOUNT_ATTR_NOSUID: u64 = 0x2;
const MOUNT_ATTR_NODEV: u64 = 0x4;
const MOUNT_ATTR_NOEXEC: u64 = 0x8;
const MOUNT_ATTR_NOATIME: u64 = 0x10;
const MOUNT_ATTR_STRICTATIME: u64 = 0x20;
const MOUNT_ATTR_NODIRATIME: u64 = 0x80;
const MOUNT_ATTR_NOSYMFOLLOW: u64 = 0x200000;

/// Deeper trees than this are refused (ELOOP) rather than exhausting the
/// stack or the fd table (two fds per level).
const MAX_DEPTH: u32 = 256;

fn check(r: libc::c_long) -> io::Result<libc::c_long> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// The per-mount attributes of fsmount(2)/mount_setattr(2) for the MS_*
/// flags that are per-mount in mount(2) (MS_RELATIME is the default: 0).
fn mount_attrs(flags: u64) -> u64 {
    let mut attr = 0;
    for (ms, a) in [
        (libc::MS_RDONLY, MOUNT_ATTR_RDONLY),
        (libc::MS_NOSUID, MOUNT_ATTR_NOSUID),
        (libc::MS_NODEV, MOUNT_ATTR_NODEV),
        (libc::MS_NOEXEC, MOUNT_ATTR_NOEXEC),
        (libc::MS_NOATIME, MOUNT_ATTR_NOATIME),
        (libc::MS_STRICTATIME, MOUNT_ATTR_STRICTATIME),
        (libc::MS_NODIRATIME, MOUNT_ATTR_NODIRATIME),
        (
            libc::MS_NOSYMFOLLOW as libc::c_ulong,
            MOUNT_ATTR_NOSYMFOLLOW,
        ),
    ] {
        if flags & ms != 0 {
            attr |= a;
        }
    }
    attr
}

/// fsconfig(2) with a readable error: the kernel explains a rejected
/// option in the fs context's log, read(2) from the fs fd ("e tmpfs: Bad
/// value for 'size'").
fn fsconfig(
    fs: &Fd,
    cmd: libc::c_uint,
    key: Option<&CString>,
    value: Option<&CString>,
) -> io::Result<()> {
    let r = unsafe {
        libc::syscall(
            libc::SYS_fsconfig,
            fs.0,
            cmd,
            key.map_or(std::ptr::null(), |k| k.as_ptr()),
            value.map_or(std::ptr::null(), |v| v.as_ptr()),
            0,
        )
    };
    if r >= 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    let mut buf = [0u8; 512];
    let n = unsafe { libc::read(fs.0, buf.as_mut_ptr() as *mut libc::c_void, buf.len()) };
    if n > 2 {
        let msg = String::from_utf8_lossy(&buf[2..n as usize])
            .trim()
            .to_string();
        return Err(io::Error::new(err.kind(), format!("{msg} ({err})")));
    }
    Err(err)
}

/// mount(2) data as fsconfig(2) options: split at the commas outside double
/// quotes, quotes dropped. An SELinux `context="u:r:t:s0:c1,c2"` (the mount
/// label) has a comma inside; for mount(2) the kernel strips the quotes
/// itself (selinux_sb_eat_lsm_opts), fsconfig takes the bare value.
pub(super) fn split_data(data: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in data.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.retain(|o| !o.is_empty());
    out
}

/// A detached tmpfs configured from a MountOp's `flags` and `data`
/// (mount(8) tmpfs options: size=, mode=, uid=, gid=, nr_inodes=...),
/// writable until `finish` applies MS_RDONLY. `mode`: the root's mode when
/// the data does not set one (runc prepends the destination's mode).
fn new_tmpfs(source: &str, flags: u64, data: &str, mode: Option<u32>) -> io::Result<Fd> {
    let fs =
        Fd(
            check(unsafe { libc::syscall(libc::SYS_fsopen, c"tmpfs".as_ptr(), FSOPEN_CLOEXEC) })?
                as RawFd,
        );
    // The name mountinfo shows as the source, as mount(2)'s first argument.
    let source = if source.is_empty() { "tmpfs" } else { source };
    fsconfig(
        &fs,
        FSCONFIG_SET_STRING,
        Some(&cstr("source")),
        Some(&cstr(source)),
    )?;
    let mut opts: Vec<String> = mode.map(|m| format!("mode={m:04o}")).into_iter().collect();
    opts.extend(split_data(data));
    // Superblock flags of mount(2) that fsconfig takes by name (fs_context.c
    // common_set_sb_flag); the per-mount ones go to fsmount below.
    for (ms, name) in [
        (libc::MS_SYNCHRONOUS, "sync"),
        (libc::MS_DIRSYNC, "dirsync"),
        (libc::MS_LAZYTIME as libc::c_ulong, "lazytime"),
    ] {
        if flags & ms != 0 {
            opts.push(name.to_string());
        }
    }
    for opt in &opts {
        match opt.split_once('=') {
            Some((k, v)) => fsconfig(&fs, FSCONFIG_SET_STRING, Some(&cstr(k)), Some(&cstr(v)))?,
            None => fsconfig(&fs, FSCONFIG_SET_FLAG, Some(&cstr(opt)), None)?,
        }
    }
    fsconfig(&fs, FSCONFIG_CMD_CREATE, None, None)?;
    let attrs = mount_attrs(flags) & !MOUNT_ATTR_RDONLY;
    let mnt = check(unsafe {
        libc::syscall(
            libc::SYS_fsmount,
            fs.0,
            FSMOUNT_CLOEXEC,
            attrs as libc::c_uint,
        )
    })?;
    Ok(Fd(mnt as RawFd))
}

/// The tmpfs for `dest` (an O_PATH fd of the destination directory inside
/// the rootfs) holding a copy of its contents, detached, ready for
/// move_mount. `existed`: the destination was there before mount_one
/// (else it is empty and the tmpfs root keeps tmpfs's default mode).
pub fn tmpfs(dest: RawFd, source: &str, flags: u64, data: &str, existed: bool) -> io::Result<Fd> {
    let src = Fd(check(unsafe {
        libc::openat(
            dest,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    } as _)? as RawFd);
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    check(unsafe { libc::fstat(src.0, &mut st) } as _)?;
    let mnt = new_tmpfs(source, flags, data, existed.then_some(st.st_mode & 0o7777))?;
    let root = Fd(check(unsafe {
        libc::openat(
            mnt.0,
            c".".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    } as _)? as RawFd);
    copy_dir(src.0, root.0, 0)?;
    if flags & libc::MS_RDONLY != 0 {
        super::rootfs::mount_setattr(
            mnt.0,
            false,
            &super::rootfs::MountAttr {
                attr_set: MOUNT_ATTR_RDONLY,
                attr_clr: 0,
                propagation: 0,
                userns_fd: 0,
            },
        )?;
    }
    Ok(mnt)
}

/// The names in the directory `dir` (without "." and "..").
fn entries(dir: RawFd) -> io::Result<Vec<CString>> {
    let dup = check(unsafe { libc::fcntl(dir, libc::F_DUPFD_CLOEXEC, 0) } as _)? as RawFd;
    let d = unsafe { libc::fdopendir(dup) };
    if d.is_null() {
        let e = io::Error::last_os_error();
        unsafe { libc::close(dup) };
        return Err(e);
    }
    let mut out = Vec::new();
    loop {
        unsafe { *libc::__errno_location() = 0 };
        let ent = unsafe { libc::readdir64(d) };
        if ent.is_null() {
            let e = io::Error::last_os_error();
            unsafe { libc::closedir(d) };
            if e.raw_os_error().unwrap_or(0) != 0 {
                return Err(e);
            }
            return Ok(out);
        }
        let name = unsafe { std::ffi::CStr::from_ptr((*ent).d_name.as_ptr()) };
        if name.to_bytes() != b"." && name.to_bytes() != b".." {
            out.push(name.to_owned());
        }
    }
}

fn times(st: &libc::stat) -> [libc::timespec; 2] {
    [
        libc::timespec {
            tv_sec: st.st_atime,
            tv_nsec: st.st_atime_nsec,
        },
        libc::timespec {
            tv_sec: st.st_mtime,
            tv_nsec: st.st_mtime_nsec,
        },
    ]
}

/// Owner, then mode (chown(2) clears setuid/setgid), then times of an open
/// copy.
fn set_meta(fd: RawFd, st: &libc::stat) -> io::Result<()> {
    check(unsafe { libc::fchown(fd, st.st_uid, st.st_gid) } as _)?;
    check(unsafe { libc::fchmod(fd, st.st_mode & 0o7777) } as _)?;
    check(unsafe { libc::futimens(fd, times(st).as_ptr()) } as _)?;
    Ok(())
}

fn open_at(dir: RawFd, name: &CString, flags: libc::c_int, mode: libc::c_uint) -> io::Result<Fd> {
    Ok(Fd(check(unsafe {
        libc::openat(
            dir,
            name.as_ptr(),
            flags | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            mode,
        )
    } as _)? as RawFd))
}

fn copy_dir(src: RawFd, dst: RawFd, depth: u32) -> io::Result<()> {
    if depth > MAX_DEPTH {
        return Err(io::Error::from_raw_os_error(libc::ELOOP));
    }
    for name in entries(src)? {
        let what = |e: io::Error| {
            io::Error::new(e.kind(), format!("copy {}: {e}", name.to_string_lossy()))
        };
        copy_entry(src, dst, &name, depth).map_err(what)?;
    }
    Ok(())
}

fn copy_entry(src: RawFd, dst: RawFd, name: &CString, depth: u32) -> io::Result<()> {
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    check(unsafe { libc::fstatat(src, name.as_ptr(), &mut st, libc::AT_SYMLINK_NOFOLLOW) } as _)?;
    match st.st_mode & libc::S_IFMT {
        libc::S_IFDIR => {
            check(unsafe { libc::mkdirat(dst, name.as_ptr(), 0o700) } as _)?;
            let s = open_at(src, name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
            let d = open_at(dst, name, libc::O_RDONLY | libc::O_DIRECTORY, 0)?;
            copy_dir(s.0, d.0, depth + 1)?;
            // After the children: creating them changed the directory's mtime.
            set_meta(d.0, &st)
        }
        libc::S_IFREG => {
            let s = open_at(src, name, libc::O_RDONLY, 0)?;
            let d = open_at(
                dst,
                name,
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL,
                0o600,
            )?;
            // std::io::copy uses copy_file_range(2)/sendfile(2) between files.
            let mut from = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(s.0) });
            let mut to = ManuallyDrop::new(unsafe { std::fs::File::from_raw_fd(d.0) });
            std::io::copy(&mut *from, &mut *to)?;
            set_meta(d.0, &st)
        }
        libc::S_IFLNK => {
            let mut buf = vec![0u8; libc::PATH_MAX as usize + 1];
            let n = check(unsafe {
                libc::readlinkat(
                    src,
                    name.as_ptr(),
                    buf.as_mut_ptr() as *mut libc::c_char,
                    buf.len(),
                )
            } as _)? as usize;
            buf.truncate(n);
            let target =
                CString::new(buf).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
            check(unsafe { libc::symlinkat(target.as_ptr(), dst, name.as_ptr()) } as _)?;
            check(unsafe {
                libc::fchownat(
                    dst,
                    name.as_ptr(),
                    st.st_uid,
                    st.st_gid,
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            } as _)?;
            check(unsafe {
                libc::utimensat(
                    dst,
                    name.as_ptr(),
                    times(&st).as_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            } as _)?;
            Ok(())
        }
        _ => {
            // Device nodes, fifos, sockets: mknodat(2) never follows anything.
            check(unsafe {
                libc::mknodat(
                    dst,
                    name.as_ptr(),
                    st.st_mode & libc::S_IFMT | 0o600,
                    st.st_rdev,
                )
            } as _)?;
            // O_PATH: opening a fifo or a device would block or touch the device.
            let d = open_at(dst, name, libc::O_PATH, 0)?;
            check(unsafe {
                libc::fchownat(d.0, c"".as_ptr(), st.st_uid, st.st_gid, libc::AT_EMPTY_PATH)
            } as _)?;
            // fchmod(2) does not take an O_PATH fd: chmod via its /proc path, which
            // names exactly the node we just made.
            let p = d.proc_path();
            check(unsafe { libc::chmod(p.as_ptr(), st.st_mode & 0o7777) } as _)?;
            check(unsafe {
                libc::utimensat(
                    dst,
                    name.as_ptr(),
                    times(&st).as_ptr(),
                    libc::AT_SYMLINK_NOFOLLOW,
                )
            } as _)?;
            Ok(())
        }
    }
}
