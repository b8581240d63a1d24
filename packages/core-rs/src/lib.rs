#![deny(clippy::all)]
//! @oci/core: raw Linux system calls for oci-ts that Node cannot make
//! itself, and the container init executor (`init`, run by the separate
//! `oci-ts-init` executable that `spawnInit` starts).

// The addon's modules hold little but #[napi] exports, and napi-derive
// registers those only under cfg(not(test)): in a `cargo test` build they
// look unused, so dead_code is allowed there (and only there).
#[cfg_attr(test, allow(dead_code))]
mod fd;
#[cfg_attr(test, allow(dead_code))]
mod jserr;
#[cfg_attr(test, allow(dead_code))]
mod process;
#[cfg_attr(test, allow(dead_code))]
mod spawn;
pub mod sys;

/// The executor as a library (a native launcher could call it too); the
/// addon itself only starts it through `spawnInit`.
#[allow(dead_code)]
pub mod init;

pub mod bpf;
