#![deny(clippy::all)]
//! @oci/core: raw Linux system calls for oci-ts that Node cannot make
//! itself, and the container init executor (`init`, run by the separate
//! `oci-ts-init` executable that `spawnInit` starts).

mod fd;
mod jserr;
mod process;
mod spawn;
pub mod sys;

/// The executor as a library (a native launcher could call it too); the
/// addon itself only starts it through `spawnInit`.
#[allow(dead_code)]
pub mod init;

pub mod bpf;
