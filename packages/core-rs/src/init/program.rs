//! The InitProgram as the executor reads it: the Rust mirror of
//! packages/core-rs/program.d.ts (the contract). Unknown fields are ignored
//! so the compiler may add fields before the executor uses them.

use serde::Deserialize;

#[derive(Deserialize, Debug, Clone)]
pub struct NamespaceOp {
    #[serde(rename = "type")]
    pub kind: String,
    pub path: Option<String>,
}

#[derive(Deserialize, Debug, Clone, Copy)]
pub struct TimeOffset {
    pub secs: i64,
    #[serde(default)]
    pub nanosecs: i64,
}

#[derive(Deserialize, Debug, Clone)]
pub struct TimeOffsets {
    pub monotonic: Option<TimeOffset>,
    pub boottime: Option<TimeOffset>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Rootfs {
    pub path: String,
    #[serde(default)]
    pub propagation: u64,
    #[serde(default)]
    pub readonly: bool,
    #[serde(default = "yes")]
    pub pivot_root: bool,
    /// program.d.ts rootfs.setup: false for exec into a running container.
    #[serde(default)]
    pub setup: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct MountOp {
    #[serde(default)]
    pub source: String,
    pub destination: String,
    #[serde(default)]
    pub fstype: String,
    #[serde(default)]
    pub flags: u64,
    #[serde(default)]
    pub propagation: Vec<u64>,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub remount_flags: u64,
    #[serde(default = "dir")]
    pub create_as: String,
    #[serde(default)]
    pub attr_set: u64,
    #[serde(default)]
    pub attr_clr: u64,
    /// Id-mapped bind mount (idmap.rs); absent: a plain mount(2).
    pub idmap: Option<IdmapOp>,
    /// tmpcopyup (copyup.rs): a tmpfs holding a copy of the destination.
    #[serde(default)]
    pub copy_up: bool,
    /// SELinux label set on the mount's root after mounting (lsm.rs
    /// file_label; mqueue, which cannot take `context=`).
    pub file_label: Option<String>,
}

/// MountOp.idmap (program.d.ts): the user namespace whose mapping the
/// detached copy of the source gets, and whether every mount of the tree
/// gets it (`ridmap`) or only the top one (`idmap`).
#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct IdmapOp {
    pub uid_map: Option<String>,
    pub gid_map: Option<String>,
    pub userns_path: Option<String>,
    #[serde(default)]
    pub recursive: bool,
}

fn dir() -> String {
    "dir".into()
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DeviceOp {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub major: u64,
    #[serde(default)]
    pub minor: u64,
    #[serde(default)]
    pub file_mode: u32,
    #[serde(default)]
    pub uid: u32,
    #[serde(default)]
    pub gid: u32,
    #[serde(default)]
    pub bind_from_host: bool,
}

#[derive(Deserialize, Debug, Clone)]
pub struct SymlinkOp {
    pub target: String,
    pub linkpath: String,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Rlimit {
    pub resource: i32,
    pub soft: String,
    pub hard: String,
}

#[derive(Deserialize, Debug, Clone, Default)]
pub struct Capabilities {
    #[serde(default)]
    pub bounding: Vec<u32>,
    #[serde(default)]
    pub effective: Vec<u32>,
    #[serde(default)]
    pub inheritable: Vec<u32>,
    #[serde(default)]
    pub permitted: Vec<u32>,
    #[serde(default)]
    pub ambient: Vec<u32>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SeccompOp {
    pub bpf: String,
    #[serde(default)]
    pub flags: u32,
    #[serde(default)]
    pub notify: bool,
    pub listener_path: Option<String>,
    pub listener_metadata: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct ConsoleSize {
    pub height: u16,
    pub width: u16,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Scheduler {
    pub policy: u32,
    #[serde(default)]
    pub nice: i32,
    #[serde(default)]
    pub priority: u32,
    #[serde(default)]
    pub flags: u64,
    pub runtime: Option<String>,
    pub deadline: Option<String>,
    pub period: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ProcessProgram {
    pub args: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default = "slash")]
    pub cwd: String,
    #[serde(default)]
    pub terminal: bool,
    pub console_size: Option<ConsoleSize>,
    #[serde(default)]
    pub uid: u32,
    #[serde(default)]
    pub gid: u32,
    #[serde(default)]
    pub additional_gids: Vec<u32>,
    pub umask: Option<u32>,
    pub capabilities: Option<Capabilities>,
    #[serde(default)]
    pub no_new_privileges: bool,
    #[serde(default)]
    pub rlimits: Vec<Rlimit>,
    pub oom_score_adj: Option<i32>,
    pub apparmor_profile: Option<String>,
    pub selinux_label: Option<String>,
    pub personality: Option<u64>,
    pub io_priority: Option<i32>,
    pub scheduler: Option<Scheduler>,
    pub seccomp: Option<SeccompOp>,
    #[serde(default)]
    pub preserve_fds: u32,
}

fn slash() -> String {
    "/".into()
}

#[derive(Deserialize, Debug, Clone)]
pub struct HookOp {
    pub path: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
    pub timeout: Option<u64>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Sysctl {
    pub key: String,
    pub value: String,
}

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct InitProgram {
    pub version: u32,
    #[serde(default)]
    pub namespaces: Vec<NamespaceOp>,
    pub time_offsets: Option<TimeOffsets>,
    pub rootfs: Rootfs,
    #[serde(default)]
    pub mounts: Vec<MountOp>,
    #[serde(default)]
    pub devices: Vec<DeviceOp>,
    #[serde(default)]
    pub symlinks: Vec<SymlinkOp>,
    #[serde(default)]
    pub masked_paths: Vec<String>,
    #[serde(default)]
    pub readonly_paths: Vec<String>,
    #[serde(default)]
    pub sysctl: Vec<Sysctl>,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    #[serde(default)]
    pub session_keyring: bool,
    /// SELinux label of the new session keyring (attr/keycreate, lsm.rs).
    pub session_keyring_label: Option<String>,
    /// Data of the read-only tmpfs over a masked directory (the mount label).
    pub mask_tmpfs_data: Option<String>,
    pub exec_fifo: Option<String>,
    #[serde(default)]
    pub create_container_hooks: Vec<HookOp>,
    #[serde(default)]
    pub start_container_hooks: Vec<HookOp>,
    pub process: ProcessProgram,
    /// Test-only: fail at this step (docs/init-program.md, "Test switch").
    pub debug_fail_step: Option<String>,
}
