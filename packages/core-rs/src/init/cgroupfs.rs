//! A `cgroup` mount in config.json (runc spec puts one at /sys/fs/cgroup).
//! On a cgroup v2 host it is a cgroup2 mount. On v1 and hybrid hosts a
//! fresh `mount -t cgroup` fails (EBUSY: the hierarchies are already
//! mounted with their own controller sets), so, as runc
//! (rootfs_linux.go mountCgroupV1): a tmpfs at the destination, one
//! directory per host hierarchy with the container's own cgroup bound there
//! (or, inside a cgroup namespace, the hierarchy mounted afresh, which shows
//! the namespace root), symlinks for co-mounted controllers, then read-only.

use super::cstr;
use super::error::{Ctx, Result};
use super::program::MountOp;
use super::rootfs::{bind_remount, create_in_root, mount, open_in_root};
use std::os::fd::RawFd;

struct Hierarchy {
    root: String,
    mountpoint: String,
    fstype: String,
    super_opts: Vec<String>,
}

fn unescape(s: &str) -> String {
    s.replace("\\040", " ")
        .replace("\\011", "\t")
        .replace("\\012", "\n")
        .replace("\\134", "\\")
}

fn hierarchies() -> Vec<Hierarchy> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut out = Vec::new();
    for line in info.lines() {
        let Some((pre, post)) = line.split_once(" - ") else {
            continue;
        };
        let pre: Vec<&str> = pre.split(' ').collect();
        let post: Vec<&str> = post.split(' ').collect();
        if pre.len() < 5 || post.len() < 3 || !(post[0] == "cgroup" || post[0] == "cgroup2") {
            continue;
        }
        out.push(Hierarchy {
            root: unescape(pre[3]),
            mountpoint: unescape(pre[4]),
            fstype: post[0].to_string(),
            super_opts: post[2].split(',').map(String::from).collect(),
        });
    }
    out
}

/// /proc/self/cgroup: (controllers, path) per hierarchy ("" for cgroup2).
fn own_cgroups() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, ':');
            let _id = parts.next()?;
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect()
}

fn own_path(h: &Hierarchy, own: &[(String, String)]) -> Option<String> {
    own.iter().find_map(|(ctrls, path)| {
        let matches = if h.fstype == "cgroup2" {
            ctrls.is_empty()
        } else {
            !ctrls.is_empty()
                && ctrls
                    .split(',')
                    .all(|c| h.super_opts.iter().any(|o| o == c))
        };
        matches.then(|| path.clone())
    })
}

const PER_MOUNT: u64 = libc::MS_RDONLY
    | libc::MS_NOSUID
    | libc::MS_NODEV
    | libc::MS_NOEXEC
    | libc::MS_RELATIME
    | libc::MS_NOATIME
    | libc::MS_STRICTATIME;

pub fn mount_cgroup(rootfd: RawFd, m: &MountOp, cgroupns: bool) -> Result<()> {
    let what = format!("cgroup on {}", m.destination);
    let all = hierarchies();
    let unified = all
        .iter()
        .any(|h| h.fstype == "cgroup2" && h.mountpoint == "/sys/fs/cgroup");
    let dest = create_in_root(rootfd, &m.destination, false)
        .ctx("mount", format!("create destination for {what}"))?;
    let flags = m.flags & PER_MOUNT;
    if unified {
        if cgroupns {
            return mount(
                Some("cgroup2"),
                &dest.proc_path(),
                Some("cgroup2"),
                flags,
                None,
            )
            .ctx("mount", &what);
        }
        let own = own_cgroups();
        let h = all
            .iter()
            .find(|h| h.mountpoint == "/sys/fs/cgroup")
            .unwrap();
        let src = format!("/sys/fs/cgroup{}", own_path(h, &own).unwrap_or_default());
        mount(
            Some(&src),
            &dest.proc_path(),
            None,
            libc::MS_BIND | libc::MS_REC,
            None,
        )
        .ctx("mount", &what)?;
        let fd = open_in_root(rootfd, &m.destination).ctx("mount", &what)?;
        return bind_remount(&fd.proc_path(), flags).ctx("mount", &what);
    }
    mount(
        Some("tmpfs"),
        &dest.proc_path(),
        Some("tmpfs"),
        flags & !libc::MS_RDONLY,
        Some("mode=755"),
    )
    .ctx("mount", format!("tmpfs for {what}"))?;
    drop(dest);
    let own = own_cgroups();
    let base = m.destination.trim_end_matches('/');
    for h in all
        .iter()
        .filter(|h| h.mountpoint.starts_with("/sys/fs/cgroup/"))
    {
        let name = h.mountpoint.rsplit('/').next().unwrap_or_default();
        let sub = format!("{base}/{name}");
        let fd = create_in_root(rootfd, &sub, false).ctx("mount", format!("create {sub}"))?;
        if cgroupns {
            let data: Vec<&str> = h
                .super_opts
                .iter()
                .map(String::as_str)
                .filter(|o| *o != "rw" && *o != "ro")
                .collect();
            let data = if h.fstype == "cgroup" && data.iter().all(|o| o.starts_with("name=")) {
                format!("none,{}", data.join(","))
            } else {
                data.join(",")
            };
            mount(
                Some(&h.fstype),
                &fd.proc_path(),
                Some(&h.fstype),
                flags,
                Some(&data),
            )
            .ctx("mount", format!("{} on {sub}", h.fstype))?;
        } else {
            let Some(path) = own_path(h, &own) else {
                continue;
            };
            let rel = path
                .strip_prefix(h.root.trim_end_matches('/'))
                .unwrap_or(&path);
            let src = format!("{}{rel}", h.mountpoint);
            mount(
                Some(&src),
                &fd.proc_path(),
                None,
                libc::MS_BIND | libc::MS_REC,
                None,
            )
            .ctx("mount", format!("bind {src} on {sub}"))?;
            let fd = open_in_root(rootfd, &sub).ctx("mount", format!("reopen {sub}"))?;
            bind_remount(&fd.proc_path(), flags).ctx("mount", format!("remount {sub}"))?;
        }
        // Co-mounted controllers ("cpu,cpuacct") get one symlink per name.
        if name.contains(',') {
            if let Ok(dir) = open_in_root(rootfd, base) {
                for part in name.split(',') {
                    let (t, l) = (cstr(name), cstr(part));
                    unsafe { libc::symlinkat(t.as_ptr(), dir.0, l.as_ptr()) };
                }
            }
        }
    }
    if flags & libc::MS_RDONLY != 0 {
        let fd = open_in_root(rootfd, base).ctx("mount", &what)?;
        mount(None, &fd.proc_path(), None, flags | libc::MS_REMOUNT, None)
            .ctx("mount", format!("remount {} read-only", m.destination))?;
    }
    Ok(())
}
